/**
 * @module commands/restore: `aipm restore <env|url> <file>`: a backup into an empty deployment,
 * every project under its own ids, one after the other. It refuses a deployment that has projects
 * (naming them and the fix); `--resume` continues a restore that stopped, skipping the backup's
 * projects already there.
 */
import { type Backup, backupSchema } from "@aipm/shared";
import { apiAccess } from "../api-access.ts";
import { CliError, type CliIo, type Command, parseCommandArgs } from "../commands.ts";
import { counted, documentKind, listProjects, readDocument, sendImport } from "../portability.ts";
import { printable } from "../terminal-text.ts";

/** The backup in the file, checked whole before anything is sent. */
async function readBackup(file: string, target: string, cwd: string | undefined): Promise<Backup> {
  const value = await readDocument(file, cwd);
  if (documentKind(value) === "export")
    throw new CliError(
      `${file} is one project's export: import it with 'aipm import ${target} ${file} --keep-ids'.`,
      2,
    );
  const parsed = backupSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `\n  ${issue.path.join(".") || "(document)"}: ${issue.message}`);
    throw new CliError(printable(`${file} is not a backup aipm can restore:${problems.join("")}`), 2);
  }
  return parsed.data;
}

export const restoreCommand: Command = {
  name: "restore",
  summary: "Restore a backup into an empty deployment, every project under its own ids",
  usage: `aipm restore <env|url> <file> [options]
  <env|url>          an environment (its API comes from its stack's outputs) or the API's URL
  <file>             a backup aipm backup wrote
  --resume           continue a restore that stopped: skip the backup's projects already there
  --token <token>    an admin or unscoped editor token (default: AIPM_API_TOKEN)
Refuses a deployment that already has projects: restore fills an empty one.`,
  example: "aipm restore http://127.0.0.1:4000 aipm-prod-2026-12-01.json",
  async run(args, io: CliIo) {
    const { values, positionals } = parseCommandArgs(
      "restore",
      args,
      { resume: { type: "boolean" }, token: { type: "string" } },
      2,
    );
    const [target = "", file = ""] = positionals;
    const backup = await readBackup(file, target, io.cwd);
    const access = await apiAccess(target, values.token, io);
    const inBackup = new Set(backup.projects.map((document) => document.project.id));
    const present = await listProjects(access);
    const others = present.filter((project) => !values.resume || !inBackup.has(project.id));
    if (others.length > 0) {
      const names = others.slice(0, 5).map((project) => `${project.name} (${project.id})`);
      const more = others.length > names.length ? ` and ${others.length - names.length} more` : "";
      throw new CliError(
        printable(
          `${access.name} already has ${counted(others.length, "project")}: ${names.join(", ")}${more}. Restore fills an empty deployment: delete ${others.length === 1 ? "it" : "them"} first (DELETE /api/projects/{id}?cascade=true), or restore into a new one${values.resume ? "" : "; to continue a restore that stopped, run it again with --resume"}. To bring in single projects beside others, use aipm import.`,
        ),
      );
    }
    const skip = new Set(present.map((project) => project.id));
    let restored = 0;
    for (const document of backup.projects) {
      if (skip.has(document.project.id)) {
        io.out(printable(`skipped ${document.project.name} (${document.project.id}): already there\n`));
        continue;
      }
      try {
        const { imported } = await sendImport(access, document, "keep");
        restored++;
        io.out(
          printable(
            `restored ${document.project.name} (${document.project.id}): ${counted(imported.stories, "story", "stories")}, ${counted(imported.acceptanceTests, "acceptance test")}, ${counted(imported.tasks, "task")}\n`,
          ),
        );
      } catch (error) {
        throw new CliError(
          `${error instanceof Error ? error.message : String(error)}\nRestored ${restored} of ${backup.projects.length} projects before this one. Fix the cause, then run 'aipm restore ${target} ${file} --resume' to continue.`,
        );
      }
    }
    io.out(printable(`restored ${restored} of ${backup.projects.length} projects into ${access.name}\n`));
    return 0;
  },
};

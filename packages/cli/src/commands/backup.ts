/**
 * @module commands/backup: `aipm backup <env|url>`: every project of a deployment, each as its own
 * export, in one backup document for `aipm restore`.
 */
import { BACKUP_FORMAT, type Backup, PORTABILITY_VERSION } from "@aipm/shared";
import { apiAccess } from "../api-access.ts";
import { type CliIo, type Command, parseCommandArgs } from "../commands.ts";
import { counted, fetchExport, listProjects, writeDocument } from "../portability.ts";
import { printable } from "../terminal-text.ts";

export const backupCommand: Command = {
  name: "backup",
  summary: "Write every project of a deployment into one backup document, for aipm restore",
  usage: `aipm backup <env|url> [options]
  <env|url>          an environment (its API comes from its stack's outputs) or the API's URL
  --out <file>       write the backup here (default: print it)
  --token <token>    an admin or unscoped token, which sees every project (default: AIPM_API_TOKEN)
A backup holds AIPM's data (projects, stories, tests, dependencies, task history), not the git
repositories, tokens or secrets. On AWS, point-in-time recovery is the first means of restoring:
see docs/operations.md.`,
  example: "aipm backup prod --out aipm-prod-$(date +%F).json",
  async run(args, io: CliIo) {
    const { values, positionals } = parseCommandArgs(
      "backup",
      args,
      { out: { type: "string" }, token: { type: "string" } },
      1,
    );
    const access = await apiAccess(positionals[0], values.token, io);
    const createdAt = new Date().toISOString();
    const projects = [];
    // One at a time: each export reads a whole project, which the API queues anyway.
    for (const project of await listProjects(access)) projects.push(await fetchExport(access, project.id));
    const backup: Backup = { format: BACKUP_FORMAT, version: PORTABILITY_VERSION, createdAt, projects };
    await writeDocument(backup, values.out, io);
    const stories = projects.reduce((sum, project) => sum + project.stories.length, 0);
    const summary = `backed up ${counted(projects.length, "project")} (${counted(stories, "story", "stories")}) of ${access.name}`;
    if (values.out !== undefined) io.out(printable(`${summary} to ${values.out}\n`));
    else io.err(printable(`${summary}\n`));
    return 0;
  },
};

/**
 * @module commands/import: `aipm import <env|url> <file>`: an export document in as a new project,
 * under new ids (a copy) or, with `--keep-ids`, its own (a restore of one project).
 */
import { apiAccess } from "../api-access.ts";
import { CliError, type CliIo, type Command, parseCommandArgs } from "../commands.ts";
import { counted, documentKind, readDocument, sendImport } from "../portability.ts";
import { printable } from "../terminal-text.ts";

export const importCommand: Command = {
  name: "import",
  summary: "Import a project from an export document, as a copy or (--keep-ids) under its own ids",
  usage: `aipm import <env|url> <file> [options]
  <env|url>          an environment (its API comes from its stack's outputs) or the API's URL
  <file>             a document aipm export wrote (JSON, or gzipped JSON)
  --keep-ids         keep the document's ids (only where none is in use there; default: new ids)
  --token <token>    API token, editor or admin (default: AIPM_API_TOKEN, or a local start's .aipm/admin-token)
The document is sent gzipped. On AWS, CloudFront takes request bodies of at most 1 MB: see
docs/api.md for the size of project that allows.`,
  example: "aipm import http://127.0.0.1:4000 shop.json",
  async run(args, io: CliIo) {
    const { values, positionals } = parseCommandArgs(
      "import",
      args,
      { "keep-ids": { type: "boolean" }, token: { type: "string" } },
      2,
    );
    const [target = "", file = ""] = positionals;
    const document = await readDocument(file, io.cwd);
    const kind = documentKind(document);
    if (kind === "backup")
      throw new CliError(
        `${file} is a backup of a deployment: restore it with 'aipm restore ${target} ${file}'.`,
        2,
      );
    if (kind === "other")
      throw new CliError(`${file} is not a project export (its "format" is not "aipm.project-export").`, 2);
    const access = await apiAccess(target, values.token, io);
    const answer = await sendImport(access, document, values["keep-ids"] ? "keep" : "new").catch(
      (error: unknown) => {
        if (error instanceof CliError && error.message.includes("answered 409"))
          throw new CliError(`${error.message}\nWithout --keep-ids, aipm import makes a copy under new ids.`);
        throw error;
      },
    );
    const { imported } = answer;
    io.out(
      printable(
        `imported ${answer.project.name} as ${answer.project.id} (${answer.ids === "keep" ? "its own ids" : "new ids"}): ${counted(imported.stories, "story", "stories")}, ${counted(imported.acceptanceTests, "acceptance test")}, ${counted(imported.dependencies, "dependency", "dependencies")}, ${counted(imported.tasks, "task")}\n`,
      ),
    );
    return 0;
  },
};

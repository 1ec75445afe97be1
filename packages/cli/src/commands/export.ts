/**
 * @module commands/export: `aipm export <env|url> <projectId>`: one project as an export document
 * (settings, stories, acceptance tests with their last runs, dependencies, task history).
 */
import { apiAccess } from "../api-access.ts";
import { type CliIo, type Command, parseCommandArgs } from "../commands.ts";
import { counted, fetchExport, writeDocument } from "../portability.ts";
import { printable } from "../terminal-text.ts";

export const exportCommand: Command = {
  name: "export",
  summary: "Write one project as an export document (JSON), for aipm import",
  usage: `aipm export <env|url> <projectId> [options]
  <env|url>          an environment (its API comes from its stack's outputs) or the API's URL
  --out <file>       write the document here (default: print it)
  --token <token>    API token (default: AIPM_API_TOKEN, or a local start's .aipm/admin-token)`,
  example: "aipm export dev prj_01jdq3m1k9x7v2b8c4n5r6t0yz --out shop.json",
  async run(args, io: CliIo) {
    const { values, positionals } = parseCommandArgs(
      "export",
      args,
      { out: { type: "string" }, token: { type: "string" } },
      2,
    );
    const [target = "", projectId = ""] = positionals;
    const access = await apiAccess(target, values.token, io);
    const document = await fetchExport(access, projectId);
    await writeDocument(document, values.out, io);
    const summary = `exported ${document.project.name} (${projectId}): ${counted(document.stories.length, "story", "stories")}, ${counted(document.acceptanceTests.length, "acceptance test")}, ${counted(document.tasks.length, "task")}`;
    // Printed beside the document only when the document went to a file.
    if (values.out !== undefined) io.out(printable(`${summary} to ${values.out}\n`));
    else io.err(printable(`${summary}\n`));
    return 0;
  },
};

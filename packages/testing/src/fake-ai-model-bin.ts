/**
 * @module fake-ai-model-bin: a scripted fake model API as its own process, for tests that cannot
 * import this package (the web app's browser tests): `tsx fake-ai-model-bin.ts <protocol> <script.json>`
 * answers each request by the tool it names, from the JSON object `{ "<tool>": <FakeAiReply> }`,
 * and prints `FAKE_AI_URL <base URL>` once it listens. It runs until it is killed.
 * `FAKE_AI_EVENT_DELAY_MS` pauses before each streamed event, so partial answers can be seen.
 */
import { readFileSync } from "node:fs";
import { type FakeAiProtocol, type FakeAiReply, startFakeAiModel } from "./fake-ai-models.ts";

const [protocol = "openai", scriptFile] = process.argv.slice(2);
if (!scriptFile) throw new Error("Usage: fake-ai-model-bin.ts <anthropic|openai|bedrock> <script.json>");
const replies = JSON.parse(readFileSync(scriptFile, "utf8")) as Record<string, FakeAiReply>;
const fake = await startFakeAiModel(
  protocol as FakeAiProtocol,
  (request) => replies[request.tool] ?? { prose: `The script has no answer for ${request.tool}.` },
  { eventDelayMs: Number(process.env.FAKE_AI_EVENT_DELAY_MS ?? 0) },
);
process.stdout.write(`FAKE_AI_URL ${fake.url}\n`);

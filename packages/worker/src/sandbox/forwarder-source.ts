/**
 * @module sandbox/forwarder-source: the text of `forwarder.mjs`, which the worker writes into each
 * sandbox. Read from beside this module here; the worker's bundle (build.mjs) inlines it instead,
 * so an instance needs no second file.
 */
import { readFileSync } from "node:fs";

export const forwarderSource = readFileSync(new URL("./forwarder.mjs", import.meta.url), "utf8");

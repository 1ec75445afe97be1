/**
 * @module policy-pack: AIPM's policy pack, run with the stacks:
 * `pulumi preview --policy-pack ../../packages/infra/policy-pack` (from stacks/dev or stacks/prod).
 * The policies themselves live in src/policies.ts, where the tests call them directly; this file
 * only starts the pack's server, so no test imports it.
 */
import { PolicyPack } from "@pulumi/policy";
import { aipmPolicies } from "../src/policies.ts";

new PolicyPack("aipm", { policies: aipmPolicies });

/**
 * @module stacks/bootstrap: the Pulumi program an administrator deploys once per AWS account
 * (project aipm-bootstrap): the GitHub OIDC provider and, per environment, the permissions
 * boundary, the deploy role (under that boundary, trusted only by the GitHub environment of the
 * same name), the KMS key of the stack's Pulumi secrets, and the read-only preview role of the
 * environment pull requests preview (trusted only by the GitHub environment `preview`).
 * Pulumi.bootstrap.yaml documents every key.
 */
import { CiBootstrap } from "@aipm/infra";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config("aipm");
const environments = config.getObject<string[]>("environments") ?? ["dev", "prod"];
const previewEnvironment = config.get("previewEnvironment") ?? "dev";
if (previewEnvironment !== "none" && !environments.includes(previewEnvironment)) {
  throw new Error(
    `aipm:previewEnvironment "${previewEnvironment}" is not one of aipm:environments (${environments.join(", ")}); set it to one of them, or none.`,
  );
}

const ci = new CiBootstrap("aipm-ci", {
  owner: config.require("githubOwner"),
  repository: config.require("githubRepository"),
  environments: environments.map((name) => ({
    name,
    deploySubjects: [{ environment: name }],
    ...(name === previewEnvironment ? { previewSubjects: [{ environment: "preview" }] } : {}),
  })),
  oidcProviderArn: config.get("githubOidcProviderArn"),
});

export const oidcProviderArn = ci.oidcProviderArn;
export const deployRoleArns = ci.deployRoleArns;
export const previewRoleArns = ci.previewRoleArns;
export const boundaryArns = ci.boundaryArns;
export const secretsProviders = ci.secretsProviders;

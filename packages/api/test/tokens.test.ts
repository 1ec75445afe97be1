import { newId } from "@aipm/shared";
import { hashToken } from "@aipm/store";
import { useTestApi } from "@aipm/testing";
import { describe, expect, it } from "vitest";
import {
  type CreatedToken,
  createProject,
  createToken,
  expectJson,
  expectProblem,
  fieldErrors,
  type Project,
} from "./fixtures.ts";

// A fresh environment per test file, so the token list holds only this file's tokens.
const api = useTestApi();

type ListedToken = Omit<CreatedToken, "token">;

async function listTokens(): Promise<ListedToken[]> {
  return (await expectJson<{ tokens: ListedToken[] }>(await api.request("GET", "/api/tokens"), 200)).tokens;
}

describe("API tokens", () => {
  it("creates editor, viewer and project-scoped tokens, showing each secret once", async () => {
    const project = await createProject(api);
    const editor = await createToken(api, "editor");
    const viewer = await createToken(api, "viewer");
    const scoped = await createToken(api, "editor", project.id);

    for (const [created, role, projectId] of [
      [editor, "editor", null],
      [viewer, "viewer", null],
      [scoped, "editor", project.id],
    ] as const) {
      expect(created).toEqual({
        id: expect.stringMatching(/^tok_[0-9a-z]{26}$/),
        name: `${role} for tests`,
        role,
        projectId,
        createdAt: expect.any(String),
        createdBy: "configured-admin",
        token: expect.stringMatching(/^aipm_[A-Za-z0-9_-]{43}$/),
      });
    }
    expect(new Set([editor.token, viewer.token, scoped.token]).size).toBe(3);

    const response = await api.request("GET", "/api/tokens");
    const listedText = await response.clone().text();
    const tokens = await expectJson<{ tokens: ListedToken[] }>(response, 200);
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    expect(tokens.tokens.toSorted(byId)).toEqual(
      [editor, viewer, scoped].map(({ token: _secret, ...record }) => record).toSorted(byId),
    );
    for (const created of [editor, viewer, scoped]) {
      expect(listedText).not.toContain(created.token);
      expect(listedText).not.toContain(hashToken(created.token));
    }
    expect(listedText).not.toContain('"token"');
  });

  it("gives each token the rights of its role", async () => {
    const editor = await createToken(api, "editor");
    const viewer = await createToken(api, "viewer");
    const admin = await createToken(api, "admin");

    const project = await createProject(api, { name: "By an editor" }, editor.token);
    await expectJson(
      await api.request("PATCH", `/api/projects/${project.id}`, {
        token: editor.token,
        body: { name: "Renamed" },
      }),
      200,
    );
    await expectProblem(
      await api.request("DELETE", `/api/projects/${project.id}`, { token: editor.token }),
      403,
    );

    const read = await expectJson<Project>(
      await api.request("GET", `/api/projects/${project.id}`, { token: viewer.token }),
      200,
    );
    expect(read.name).toBe("Renamed");
    await expectProblem(
      await api.request("PATCH", `/api/projects/${project.id}`, {
        token: viewer.token,
        body: { name: "No" },
      }),
      403,
    );

    const minted = await createToken(api, "viewer", null, admin.token);
    expect(minted.createdBy).toBe(admin.id);
    expect((await api.request("DELETE", `/api/projects/${project.id}`, { token: admin.token })).status).toBe(
      204,
    );
  });

  it("revokes a token: it stops working and leaves the list; revoking it again is 404", async () => {
    const editor = await createToken(api, "editor");
    const response = await api.request("DELETE", `/api/tokens/${editor.id}`);
    expect(response.status).toBe(204);
    expect((await listTokens()).map((token) => token.id)).not.toContain(editor.id);
    await expectProblem(await api.request("GET", "/api/projects", { token: editor.token }), 401);
    await expectProblem(await api.request("DELETE", `/api/tokens/${editor.id}`), 404);
    await expectProblem(await api.request("DELETE", `/api/tokens/${newId("token")}`), 404);
  });

  it("scopes a token only to a project that exists", async () => {
    const problem = await expectProblem(
      await api.request("POST", "/api/tokens", {
        body: { name: "ci", role: "editor", projectId: newId("project") },
      }),
      400,
    );
    expect(fieldErrors(problem)).toEqual(["projectId: must be an existing project"]);
  });

  it("validates the name, role and scope", async () => {
    const problem = await expectProblem(
      await api.request("POST", "/api/tokens", {
        body: { name: "  ", role: "owner", projectId: "everything", token: "my-own-secret" },
      }),
      400,
    );
    expect(problem.errors?.map((error) => error.path).sort()).toEqual([
      "(body)",
      "name",
      "projectId",
      "role",
    ]);
    expect(fieldErrors(problem)).toContain("(body): unknown field 'token'");
    await expectProblem(
      await api.request("POST", "/api/tokens", { body: { name: "x".repeat(101), role: "viewer" } }),
      422,
    );
    await expectProblem(await api.request("DELETE", "/api/tokens/configured-admin"), 400);
  });
});

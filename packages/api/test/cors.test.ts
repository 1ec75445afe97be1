import { useTestApi } from "@aipm/testing";
import { describe, expect, it } from "vitest";
import { expectJson, expectProblem } from "./fixtures.ts";

const WEB_ORIGIN = "http://localhost:5173";

const api = useTestApi();

function preflight(origin: string, method = "PATCH", headers = "authorization,content-type,idempotency-key") {
  return api.request("OPTIONS", "/api/projects", {
    token: null,
    headers: {
      Origin: origin,
      "Access-Control-Request-Method": method,
      "Access-Control-Request-Headers": headers,
    },
  });
}

describe("CORS", () => {
  it("answers a preflight from the web app's origin, without a token", async () => {
    const response = await preflight(WEB_ORIGIN);
    expect(response.status).toBe(204);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe(WEB_ORIGIN);
    expect(response.headers.get("Access-Control-Allow-Methods")?.split(",")).toEqual(
      expect.arrayContaining(["GET", "POST", "PATCH", "DELETE"]),
    );
    expect(response.headers.get("Access-Control-Allow-Headers")?.toLowerCase().split(",")).toEqual(
      expect.arrayContaining(["authorization", "content-type", "idempotency-key"]),
    );
    expect(response.headers.get("Access-Control-Max-Age")).toBe("600");
    expect(response.headers.get("Vary")).toContain("Origin");
  });

  it("grants nothing to another origin", async () => {
    for (const origin of [
      "https://evil.example.com",
      "http://localhost:5174",
      "http://localhost:5173.evil.com",
      "null",
    ]) {
      const response = await preflight(origin);
      expect(response.headers.get("Access-Control-Allow-Origin"), origin).toBeNull();
      const read = await api.request("GET", "/api/projects", { headers: { Origin: origin } });
      expect(read.headers.get("Access-Control-Allow-Origin"), origin).toBeNull();
    }
  });

  it("lets the web app read responses, errors, the replay header and a download's file name", async () => {
    const read = await api.request("GET", "/api/projects", { headers: { Origin: WEB_ORIGIN } });
    await expectJson(read, 200);
    expect(read.headers.get("Access-Control-Allow-Origin")).toBe(WEB_ORIGIN);
    expect(read.headers.get("Access-Control-Expose-Headers")).toContain("Idempotent-Replayed");
    expect(read.headers.get("Access-Control-Expose-Headers")).toContain("Content-Disposition");

    // A 401 the browser cannot read would look like a network failure to the web app.
    const refused = await api.request("GET", "/api/projects", {
      token: null,
      headers: { Origin: WEB_ORIGIN },
    });
    await expectProblem(refused, 401);
    expect(refused.headers.get("Access-Control-Allow-Origin")).toBe(WEB_ORIGIN);
  });
});

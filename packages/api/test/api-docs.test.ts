/**
 * `/api/docs` serves Swagger UI from the API's own origin: no CDN, no inline script, and a content
 * security policy on the page.
 */
import { useTestApi } from "@aipm/testing";
import { describe, expect, it } from "vitest";

const api = useTestApi();

/** Every URL an HTML page loads or links (src, href), and whether it has an inline script. */
function references(html: string): { urls: string[]; inlineScripts: number } {
  const urls = [...html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']+)["']/gi)].map((match) => match[1] ?? "");
  const inlineScripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)].filter(
    (match) => !/\bsrc\s*=/.test(match[1] ?? "") || (match[2] ?? "").trim() !== "",
  ).length;
  return { urls, inlineScripts };
}

describe("GET /api/docs", () => {
  it("references nothing outside the API's origin and has no inline script", async () => {
    const response = await api.request("GET", "/api/docs", { token: null });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
    const html = await response.text();
    const { urls, inlineScripts } = references(html);
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) expect(url, url).toMatch(/^\/(?!\/)/);
    expect(html).not.toMatch(/https?:\/\//);
    expect(inlineScripts).toBe(0);
  });

  it("sends a content security policy of its own origin only", async () => {
    const response = await api.request("GET", "/api/docs", { token: null });
    const policy = response.headers.get("Content-Security-Policy") ?? "";
    expect(policy).toContain("default-src 'self'");
    expect(policy).not.toContain("unsafe-inline");
    expect(policy).not.toMatch(/https?:/);
  });

  it("serves every script and stylesheet the page loads, without a token", async () => {
    const html = await (await api.request("GET", "/api/docs", { token: null })).text();
    const { urls } = references(html);
    const assets = urls.filter((url) => /\.(js|css)$/.test(url));
    expect(assets).toEqual(
      expect.arrayContaining([
        "/api/docs/assets/swagger-ui.css",
        "/api/docs/assets/swagger-ui-bundle.js",
        "/api/docs/assets/init.js",
      ]),
    );
    for (const url of assets) {
      const asset = await api.request("GET", url, { token: null });
      expect(asset.status, url).toBe(200);
      expect(asset.headers.get("Content-Type"), url).toMatch(
        url.endsWith(".css") ? /^text\/css/ : /^text\/javascript/,
      );
      expect((await asset.text()).length, url).toBeGreaterThan(0);
    }
    const init = await (await api.request("GET", "/api/docs/assets/init.js", { token: null })).text();
    expect(init).toContain("/api/openapi.json");
    expect((await api.request("GET", "/api/docs/assets/package.json", { token: null })).status).toBe(404);
  });
});

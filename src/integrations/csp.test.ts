/**
 * The CSP integration's page transforms (src/integrations/csp.mjs): which scripts move out, what
 * they become, where the meta goes, and the hashes `astro dev` adds (as the browser computes them:
 * sha256 of the element's text, base64).
 */
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { CSP_HEADER, CSP_META, cspPolicy, externalizeInlineScripts, inlineScriptHashes, insertCspMeta, scriptHash } from './csp.mjs';

describe('policy', () => {
  test('the directives the site needs; frame-ancestors in the header only', () => {
    expect(CSP_META.split('; ')).toEqual(expect.arrayContaining(["script-src 'self' 'wasm-unsafe-eval'", "connect-src 'self'", "worker-src 'self'", "object-src 'none'", "base-uri 'self'"]));
    expect(CSP_META).not.toMatch(/frame-ancestors|unsafe-eval'(?<!wasm-unsafe-eval')|script-src[^;]*unsafe-inline/);
    expect(CSP_HEADER).toBe(`${CSP_META}; frame-ancestors 'none'`);
    expect(cspPolicy('header', ["'sha256-abc='"])).toContain("script-src 'self' 'wasm-unsafe-eval' 'sha256-abc='; worker-src");
  });
});

describe('externalizeInlineScripts', () => {
  test('classic and module inline scripts move out with their other attributes; src, JSON and data blocks stay', () => {
    const html = [
      '<head><script>var a = 1;</script>',
      '<script type="module" data-x="1">import "/b.js";</script>',
      '<script async defer>late()</script>',
      '<script type="module" src="/_astro/c.js"></script>',
      '<script type="application/json">{"a":1}</script>',
      '<script type="application/ld+json">{}</script></head>',
    ].join('');
    const { html: out, files } = externalizeInlineScripts(html);
    const names = [...files.keys()];
    expect(names).toHaveLength(3);
    for (const n of names) expect(n).toMatch(/^inline\.[0-9a-f]{12}\.js$/);
    expect([...files.values()]).toEqual(['var a = 1;', 'import "/b.js";', 'late()']);
    expect(out).toBe([
      `<head><script src="/_astro/${names[0]}"></script>`,
      `<script type="module" data-x="1" src="/_astro/${names[1]}"></script>`,
      `<script src="/_astro/${names[2]}"></script>`, // async/defer dropped: it still runs where it stood
      '<script type="module" src="/_astro/c.js"></script>',
      '<script type="application/json">{"a":1}</script>',
      '<script type="application/ld+json">{}</script></head>',
    ].join(''));
    // the same text on two pages is one file
    expect([...externalizeInlineScripts('<script>var a = 1;</script>').files.keys()]).toEqual([names[0]]);
  });
});

describe('insertCspMeta', () => {
  test('right after <meta charset>, else at the top of <head>; quotes escaped; no <head> is an error', () => {
    expect(insertCspMeta('<html><head><meta charset="utf-8"><script src="/a.js"></script>', "a 'b'")).toBe(
      `<html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="a 'b'"><script src="/a.js"></script>`,
    );
    expect(insertCspMeta('<head lang="x"><title>t</title>', 'p "q"')).toBe('<head lang="x"><meta http-equiv="Content-Security-Policy" content="p &quot;q&quot;"><title>t</title>');
    expect(() => insertCspMeta('<p>no head</p>', 'p')).toThrow(/no <head>/);
  });
});

describe('hashes for astro dev', () => {
  test('sha256 of the exact text, base64, once per distinct script', () => {
    const text = '\n  (function () { document.documentElement.dataset.x = "1"; })();\n';
    const want = `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    expect(scriptHash(text)).toBe(want);
    expect(inlineScriptHashes(`<script>${text}</script><script src="/x.js"></script><script>${text}</script><script type="application/json">{}</script>`)).toEqual([want]);
    // a known value: sha256("") in base64
    expect(scriptHash('')).toBe("'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
  });
});

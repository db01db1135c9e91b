import { startHarness, type Harness } from './support/harness';

describe('the API reference page', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ worker: false });
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('when /api/v1/docs is opened without a token, then it redirects to the page, whose every asset the API serves itself', async () => {
    const redirect = await fetch(`${h.url}/api/v1/docs`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/api/v1/docs/');

    const page = await fetch(`${h.url}/api/v1/docs/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toContain('./swagger-ui-bundle.js');
    // Relative to the page: nothing names another host.
    expect(assets.filter((a) => /^(https?:)?\/\//.test(a))).toEqual([]);
    for (const asset of assets) {
      const res = await fetch(new URL(asset, `${h.url}/api/v1/docs/`));
      expect([asset, res.status]).toEqual([asset, 200]);
      await res.arrayBuffer();
    }
  });

  test('when the page starts, then it renders this API document, and its policy lets it load and call nothing but this origin', async () => {
    const initializer = await fetch(`${h.url}/api/v1/docs/swagger-initializer.js`);
    expect(initializer.status).toBe(200);
    const script = await initializer.text();
    expect(script).toContain("url: '../openapi.json'");
    expect(script).toContain('validatorUrl: null');
    expect(script).not.toMatch(/https?:/);
    const document = await fetch(new URL('../openapi.json', `${h.url}/api/v1/docs/`));
    expect(((await document.json()) as { info: { title: string } }).info.title).toBe('Migrator API');

    const policy = (await fetch(`${h.url}/api/v1/docs/`)).headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
  });
});

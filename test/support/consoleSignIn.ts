import type { Page } from 'playwright-core';

/** Signs in through the sign-in page as a person does, and waits for the console's home. */
export async function signInThroughPage(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Executions' }).waitFor();
}

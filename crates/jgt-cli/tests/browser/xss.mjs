// Usage: node xss.mjs <index.html>
//
// Opens the site of a project whose model description is
// `</script><script>alert(1)</script>` and whose column description is
// `<img src=x onerror=alert(2)>`, selects the model, and checks that both
// show as plain text, that no dialog opens, and that the page holds no
// element they could have made. Prints one JSON line; exits 1 on failure.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checklist, deadline, openBrowser, run } from './chromium.mjs';

const SCRIPT_TEXT = '</script><script>alert(1)</script>';
const IMG_TEXT = '<img src=x onerror=alert(2)>';

const [indexArg] = process.argv.slice(2);
if (!indexArg) {
  process.stderr.write('usage: node xss.mjs <index.html>\n');
  process.exit(2);
}

deadline(90_000, 'the escaping check');

run(async () => {
  const list = checklist();
  const { check } = list;
  const browser = await openBrowser();
  const { page } = browser;
  try {
    await page.goto(pathToFileURL(resolve(indexArg)).href, { waitUntil: 'load' });
    check('the page script ran', (await page.locator('#index .node-link').count()) === 1);
    // The graph is a canvas: click where window.jgtDocs says the node is.
    const r = await page.evaluate(() => window.jgtDocs.nodeRect('evil'));
    await page.mouse.click(r.x + r.width / 2, r.y + r.height / 2);
    await page.waitForSelector('#node-view:not([hidden])');
    // Give an injected handler the chance to fire.
    await page.waitForTimeout(300);
    const description = await page.textContent('#node-description');
    check('the description shows literally', description === SCRIPT_TEXT, description);
    // Each column's row, then the row of its description.
    const note = await page.$$eval('#columns tr.column', (rows) =>
      rows.map((r) => [r.querySelector('.column-name')?.textContent,
        r.nextElementSibling?.querySelector('.column-description')?.textContent]));
    check('the column description shows literally',
      note.some(([name, text]) => name === 'note' && text === IMG_TEXT), note);
    check('only the page\'s own two script elements exist',
      (await page.locator('script').count()) === 2);
    check('no img element was made', (await page.locator('img').count()) === 0);
    check('no alert fired', browser.dialogs.length === 0, browser.dialogs);
    check('no errors on the page', browser.problems.length === 0, browser.problems);
  } catch (error) {
    check('the checks ran to the end', false, String((error && error.message) || error));
  } finally {
    await browser.close();
  }
  list.finish();
});

// Usage: node docs.mjs <index.html> <screenshot.png> [project dir]
//
// Opens the JaffleGaggle documentation site (`jgt build` then
// `jgt docs generate`) from disk in Chromium and uses it as a person would:
// every seed and model is drawn, clicking jafflegaggle_contacts highlights
// its lineage and fills the panel with its typed columns and compiled SQL,
// the SQL tabs switch, a parent link and the URL hash move the selection,
// the search box finds and selects nodes, the wheel zooms and Fit undoes
// it, and the page never logs an error. Saves a screenshot with
// jafflegaggle_contacts selected, prints one JSON line and exits 1 on any
// failed check.
//
// The nodes to expect are read from the project folder (by default the
// one whose target/docs/ holds the page): seeds/*.csv and models/**/*.sql.

import { dirname, resolve, join } from 'node:path';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { checklist, deadline, openBrowser, run } from './chromium.mjs';

const [indexArg, screenshotArg, projectArg] = process.argv.slice(2);
if (!indexArg || !screenshotArg) {
  process.stderr.write('usage: node docs.mjs <index.html> <screenshot.png> [project dir]\n');
  process.exit(2);
}
const index = resolve(indexArg);
const screenshot = resolve(screenshotArg);
const project = resolve(projectArg || join(dirname(index), '..', '..'));

/** File names below `dir` ending in `ext`, without it. */
function stems(dir, ext) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .filter((file) => file.endsWith(ext))
    .map((file) => file.split(/[\\/]/).pop().slice(0, -ext.length))
    .sort();
}
const SEEDS = stems(join(project, 'seeds'), '.csv');
const MODELS = stems(join(project, 'models'), '.sql');
const STAGING = MODELS.filter((m) => m.startsWith('stg_'));
const EXPECTED = [...SEEDS, ...MODELS];

deadline(120_000, 'the browser check');

run(async () => {
  const list = checklist();
  const { check } = list;
  const browser = await openBrowser();
  const { page } = browser;
  const text = (selector) => page.locator(selector).first().textContent();
  // The graph is painted on a canvas; window.jgtDocs tells where each node
  // is and what is highlighted, and clicks go where a person would click.
  const docs = (method, ...args) =>
    page.evaluate(([m, a]) => window.jgtDocs[m](...a), [method, args]);
  const clickNode = async (name) => {
    const r = await docs('nodeRect', name);
    if (!r) throw new Error(`no node ${name} on the page`);
    await page.mouse.click(r.x + r.width / 2, r.y + r.height / 2);
  };
  try {
    await page.goto(pathToFileURL(index).href, { waitUntil: 'load' });
    check('page title names the project', (await page.title()).includes('jaffle_gaggle'),
      await page.title());

    // Every seed and model is drawn.
    const drawn = await docs('names');
    check('the project has JaffleGaggle\'s nodes',
      SEEDS.length >= 5 && STAGING.length >= 3 && MODELS.includes('jafflegaggle_contacts'),
      { project, SEEDS, MODELS });
    for (const name of EXPECTED) {
      check(`node ${name} is drawn`, drawn.includes(name));
    }
    check('nothing but seeds and models is drawn', drawn.length === EXPECTED.length,
      drawn.length);
    check('the index lists every node',
      (await page.locator('#index .node-link').count()) === EXPECTED.length);
    check('edges are drawn', (await docs('edges')) >= EXPECTED.length);
    // The canvas shows a model's box in the models' colour, just inside
    // its left border.
    const painted = await page.evaluate(() => {
      const r = window.jgtDocs.nodeRect('jafflegaggle_contacts');
      const canvas = document.getElementById('jgt-canvas');
      const at = canvas.getBoundingClientRect();
      const scale = canvas.width / at.width;
      const x = Math.round((r.x - at.left + Math.min(6, r.width / 4)) * scale);
      const y = Math.round((r.y - at.top + r.height / 4) * scale);
      return Array.from(canvas.getContext('2d').getImageData(x, y, 1, 1).data);
    });
    check('the canvas paints a model in the models\' colour',
      painted.join() === [0xfb, 0xe3, 0xc6, 255].join(), painted);

    // Clicking a node selects it, highlights its lineage and fills the panel.
    await clickNode('jafflegaggle_contacts');
    await page.waitForSelector('#node-view:not([hidden])');
    check('panel shows the clicked node', (await text('#node-name')) === 'jafflegaggle_contacts',
      await text('#node-name'));
    check('panel shows the materialization', (await text('#node-materialization')) === 'table');
    check('panel shows the relation', (await text('#node-relation')).includes('jafflegaggle_contacts'),
      await text('#node-relation'));
    check('panel shows the description',
      (await text('#node-description')).includes('One row per person'));
    const columns = await page.$$eval('#columns tr.column', (rows) =>
      rows.map((row) => ({
        name: row.querySelector('.column-name')?.textContent,
        type: row.querySelector('.column-type')?.textContent,
        tests: Array.from(row.querySelectorAll('.chip'), (chip) => chip.textContent),
        description: row.nextElementSibling?.querySelector('.column-description')?.textContent,
      })),
    );
    const corporate = columns.find((c) => c.name === 'corporate_email');
    check('#columns lists corporate_email as VARCHAR',
      corporate && /VARCHAR/i.test(corporate.type || ''), corporate);
    check('#columns describes corporate_email',
      corporate && /domain/.test(corporate.description || ''), corporate);
    check('the panel is not wider than the page',
      await page.$eval('#panel', (panel) => panel.scrollWidth <= panel.clientWidth + 1));
    const userId = columns.find((c) => c.name === 'user_id');
    check('#columns shows the tests of user_id',
      userId && userId.tests.includes('unique') && userId.tests.includes('not_null'), userId);
    const sql = await text('#compiled-sql');
    check('#compiled-sql refers to "main"."stg_users"', sql.includes('"main"."stg_users"'),
      sql.slice(0, 120));
    check('the compiled SQL tab is shown', await page.isVisible('#compiled-sql'));
    await page.click('.tabs [data-tab="raw-sql"]');
    check('the raw SQL tab shows the ref()',
      (await page.isVisible('#raw-sql')) && (await text('#raw-sql')).includes("ref('stg_users')"));
    await page.click('.tabs [data-tab="compiled-sql"]');

    const lineage = await docs('lineage');
    check('the clicked node is highlighted', lineage.jafflegaggle_contacts === 'selected', lineage);
    check('upstream is highlighted', lineage.stg_users === 'up' && lineage.raw_user === 'up',
      lineage);
    check('downstream is highlighted',
      lineage.jafflegaggle_facts === 'down' && lineage.jafflegaggle_corporate_accounts === 'down',
      lineage);
    check('unrelated nodes are not highlighted',
      !('raw_gaggle' in lineage) && !('stg_gaggles' in lineage), lineage);
    check('highlighted edges are drawn', (await docs('litEdges')) >= 6);
    const parents = await page.$$eval('#parents .name', (names) => names.map((n) => n.textContent));
    check('panel lists the parents',
      ['merged_user', 'stg_events', 'stg_users'].every((p) => parents.includes(p)), parents);
    check('the URL names the selection',
      decodeURIComponent(await page.evaluate(() => location.hash)) ===
        '#node=jafflegaggle_contacts',
      await page.evaluate(() => location.hash));

    // A parent link moves the selection.
    await page.click('#parents a:has-text("stg_users")');
    await page.waitForFunction(() => document.getElementById('node-name').textContent === 'stg_users');
    check('a parent link selects the parent', (await text('#node-name')) === 'stg_users');
    check('the parent is now the highlighted node',
      (await docs('selected')) === 'stg_users' && (await docs('lineage')).stg_users === 'selected');

    // Search: highlights matches, Enter selects the best one, Escape clears.
    await page.fill('#search', 'stg_');
    const matched = await docs('matches');
    check('search highlights the staging models',
      matched.length === STAGING.length && matched.every((m) => m.startsWith('stg_')), matched);
    check('search counts its matches',
      (await text('#search-count')) === `${STAGING.length} matches`, await text('#search-count'));
    check('search filters the index',
      (await page.locator('#index li:not([hidden]) .node-link').count()) === STAGING.length);
    await page.fill('#search', 'corporate');
    await page.press('#search', 'Enter');
    await page.waitForFunction(() =>
      document.getElementById('node-name').textContent === 'jafflegaggle_corporate_accounts');
    check('Enter in the search selects the match', true);
    await page.press('#search', 'Escape');
    check('Escape clears the search',
      (await page.inputValue('#search')) === '' && (await docs('matches')).length === 0);

    // Back to the index, then wheel zoom and Fit.
    await page.click('#back');
    check('the back button shows the index', await page.isVisible('#index-view'));
    check('nothing is highlighted after going back',
      Object.keys(await docs('lineage')).length === 0 && (await docs('selected')) === null);
    const transform = () => docs('view');
    // Selecting from the search centred the view on the match; Fit undoes it.
    await page.click('#fit');
    await page.waitForTimeout(100);
    const before = await transform();
    const box = await page.locator('#jgt-canvas').boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -400);
    await page.waitForFunction((old) => window.jgtDocs.view() !== old, before);
    check('the wheel zooms', (await transform()) !== before);
    await page.click('#fit');
    await page.waitForFunction((old) => window.jgtDocs.view() === old, before);
    check('Fit shows the whole graph again', (await transform()) === before);

    // The picture: jafflegaggle_contacts selected, its panel open.
    await clickNode('jafflegaggle_contacts');
    await page.waitForFunction(() =>
      document.getElementById('node-name').textContent === 'jafflegaggle_contacts');
    await page.screenshot({ path: screenshot });
    check('the screenshot was saved', existsSync(screenshot) && statSync(screenshot).size > 10_000,
      screenshot);

    check('no errors on the page', browser.problems.length === 0, browser.problems);
    check('no dialogs opened', browser.dialogs.length === 0, browser.dialogs);
  } catch (error) {
    check('the checks ran to the end', false, String((error && error.message) || error));
  } finally {
    await browser.close();
  }
  list.finish({ screenshot });
});

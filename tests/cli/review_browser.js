// The review page in a real browser (Debian's chromium, driven by puppeteer-core).
// Called by test_review_browser.py: node review_browser.js CHROMIUM BASE_URL PROFILE_DIR
// Prints one JSON object with what it saw; the Python side asserts.
const puppeteer = require('puppeteer-core');

const XSS = '<img src=x onerror=alert(1)>';

(async () => {
  const [chrome, base, profile] = process.argv.slice(2);
  const out = {dialogs: [], errors: []};
  const browser = await puppeteer.launch({
    executablePath: chrome,
    userDataDir: profile,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    page.on('dialog', async d => { out.dialogs.push(d.message()); await d.dismiss(); });
    page.on('pageerror', e => out.errors.push(String(e)));
    const requests = [];
    page.on('request', r => requests.push(r.url()));

    // 1. a party named like markup is shown as text, nothing runs, nothing is fetched
    await page.goto(base + '/review?party=' + encodeURIComponent(XSS), {waitUntil: 'load'});
    out.xss_text_shown = (await page.evaluate(() => document.body.innerText)).includes(XSS);
    out.img_elements = await page.evaluate(() => document.querySelectorAll('img').length);
    out.filter_value = await page.$eval('form.filters input[name=party]', e => e.value);
    out.foreign_requests = requests.filter(u => !u.startsWith(base));

    // 2. record a disposition by clicking, on the order whose end user is the listed police
    await page.goto(base + '/review?party=' + encodeURIComponent('Policía Nacional'), {waitUntil: 'load'});
    out.articles = await page.$$eval('article', a => a.length);
    const form = await page.$('article details.disp');
    out.has_form = !!form;
    if (form) {
      await page.click('article details.disp summary');
      await page.click('article details.disp input[value=false_positive]');
      await page.type('article details.disp input[name=reason]', 'different entity: municipal police of Leon, checked by phone');
      const by = await page.$('article details.disp input[name=by]');
      if (by) await page.type('article details.disp input[name=by]', 'reviewer-browser');
      await Promise.all([page.waitForNavigation({waitUntil: 'load'}),
                         page.click('article details.disp button[type=submit]')]);
      out.after_url = page.url();
      out.after_text = await page.evaluate(() => document.body.innerText);
    }
  } catch (e) {
    out.errors.push(String(e && e.stack || e));
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(out));
})();

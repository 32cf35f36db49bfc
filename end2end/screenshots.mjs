// Screenshots of the shopper pages at a phone's width (390 px) and a desktop's (1280 px), as a shopper sees
// them, with JavaScript: home, a listing (and on the phone its filter drawer), a product, the cart drawer after
// "Add to cart", search results and suggestions, the cart, the first checkout step, the 404 page, and the
// account pages (sign-up, overview, profile, password, orders, address book, wishlist), and a sold-out product
// with "Email me when it is back".
// `./dev.sh screenshots` starts a store with the demo catalog and runs this:
//   node end2end/screenshots.mjs BASE_URL OUT_DIR PLAYWRIGHT_CORE_DIR
import { createRequire } from 'node:module';

const [base, out, driver] = process.argv.slice(2);
const { chromium } = createRequire(import.meta.url)(driver);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
for (const width of [390, 1280]) {
  const context = await browser.newContext({ viewport: { width, height: width < 500 ? 844 : 900 } });
  const page = await context.newPage();
  const shot = (name, fullPage = true) => page.screenshot({ path: `${out}/${width}-${name}.png`, fullPage });
  const open = async (path) => {
    await page.goto(base + path);
    await page.waitForSelector('body[data-hydrated]', { timeout: 60000 });
  };
  await open('/');
  await shot('home');
  await open('/c/t-shirts');
  await shot('listing');
  if (width < 500) {
    await page.click('.filter-drawer__toggle');
    await shot('filters', false);
    await page.keyboard.press('Escape');
  }
  await open(await page.getAttribute('.card:not(.card--sold-out) .card__link', 'href'));
  await shot('product');
  await page.click('button:text-is("Add to cart")');
  await page.waitForSelector('.drawer .drawer__line');
  await shot('cart-drawer', false);
  await page.keyboard.press('Escape');
  await open('/search?q=hodie');
  await shot('search');
  await page.fill('#site-search', 'hodie');
  await page.waitForSelector('#search-suggestions:not([hidden])');
  await shot('suggestions', false);
  await open('/cart');
  await shot('cart');
  await open('/checkout');
  await shot('checkout');
  await open('/no-such-page');
  await shot('404');
  // The account pages: sign up, confirm from the development mailbox, then each page.
  await open('/account/sign-up');
  await shot('sign-up');
  await page.fill('#field-name', 'Ada Lovelace');
  await page.fill('#field-email', `ada-${width}@example.com`);
  await page.fill('#field-password', 'correct horse battery staple');
  await page.click('button:text-is("Create account")');
  await page.waitForURL('**/account/check-email**');
  await open('/dev/mailbox');
  // (The mail's link is absolute: it is built from the configured public URL.)
  await page.goto(await page.getAttribute(`.mail:has-text("ada-${width}@example.com") a[href*="/account/verify?token="]`, 'href'));
  await page.click('button:text-is("Confirm my email")');
  await page.waitForURL('**/account?verified=1');
  await shot('account');
  for (const path of ['profile', 'password', 'orders']) {
    await open(`/account/${path}`);
    await shot(`account-${path}`);
  }
  await open('/account/addresses');
  await page.fill('#field-name', 'Ada Lovelace');
  await page.fill('#field-line1', '12 St James Square');
  await page.fill('#field-city', 'Springfield');
  await page.selectOption('#field-region', 'IL');
  await page.fill('#field-postal_code', '62701');
  await page.click('button:text-is("Save address")');
  await page.waitForSelector('.address-card');
  await shot('account-addresses');
  await open('/c/t-shirts');
  await open(await page.getAttribute('.card:not(.card--sold-out) .card__link', 'href'));
  await page.click('.product__save button[aria-pressed="false"]');
  await page.waitForSelector('.product__save button[aria-pressed="true"]');
  await open('/account/wishlist');
  await shot('account-wishlist');
  await open('/products');
  const soldOut = await page.$('.card--sold-out .card__link');
  if (soldOut) {
    await open(await soldOut.getAttribute('href'));
    await shot('product-sold-out');
  }
  await context.close();
}
await browser.close();
console.log(`screenshots in ${out}`);

import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { App } from './app.js';

describe('App', () => {
  it('renders the title and the version it is given', () => {
    const html = renderToStaticMarkup(<App version="1.2.3" />);
    expect(html).toContain('<h1>Weft</h1>');
    expect(html).toContain('weft 1.2.3');
  });
});

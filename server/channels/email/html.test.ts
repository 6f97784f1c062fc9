import { describe, expect, it } from 'vitest';
import { htmlToText, sanitizeMailHtml } from './html.ts';

describe('sanitizeMailHtml', () => {
  it.each([
    ['<script>alert(1)</script><p>x</p>', '<p>x</p>'],
    ['<img src=x onerror=alert(1)>', '<span></span>'],
    ['<a href="javascript:alert(1)">a</a>', '<a target="_blank" rel="noopener noreferrer nofollow">a</a>'],
    ['<a href="JaVaScRiPt&colon;alert(1)">a</a>', '<a target="_blank" rel="noopener noreferrer nofollow">a</a>'],
    ['<a href="  java\tscript:alert(1)">a</a>', '<a target="_blank" rel="noopener noreferrer nofollow">a</a>'],
    ['<a href="data:text/html,<script>alert(1)</script>">a</a>', '<a target="_blank" rel="noopener noreferrer nofollow">a</a>'],
    ['<a href="//evil.example/x">a</a>', '<a target="_blank" rel="noopener noreferrer nofollow">a</a>'],
    ['<a href="https://ok.example/?a=1&b=2" onclick="x()">ok</a>', '<a href="https://ok.example/?a=1&amp;b=2" target="_blank" rel="noopener noreferrer nofollow">ok</a>'],
    ['<a href="mailto:help@exchange.example">mail</a>', '<a href="mailto:help@exchange.example" target="_blank" rel="noopener noreferrer nofollow">mail</a>'],
    ['<img src="cid:logo@x" alt="logo" width="10">', '<img src="cid:logo@x" alt="logo" width="10" />'],
    ['<img src="https://t.example/p.gif">', '<a href="https://t.example/p.gif" target="_blank" rel="noopener noreferrer nofollow">[image: https://t.example/p.gif]</a>'],
    ['<img src="data:image/png;base64,AAAA" alt="chart">', '<span>[image: chart]</span>'],
    ['<svg><script>alert(1)</script></svg>', ''],
    ['<iframe src="https://evil.example"></iframe><object data="x"></object><embed src="x">', ''],
    ['<form action="https://evil.example"><input name="password"><button>go</button></form>', 'go'],
    ['<base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=https://evil.example"><link rel="stylesheet" href="https://evil.example/a.css">', ''],
    ['<style>@import url(https://evil.example/a.css)</style><p>x</p>', '<p>x</p>'],
    ['<p style="color:red;background-image:url(https://evil.example/t.gif);font-weight:bold">x</p>', '<p style="color:red;font-weight:bold">x</p>'],
    ['<p style="color:expression(alert(1))">x</p>', '<p>x</p>'],
    ['<p style="color:rgb(255, 0, 0);text-align:center">x</p>', '<p style="color:rgb(255, 0, 0);text-align:center">x</p>'],
    ['<table border="1"><tr><td colspan="2" onmouseover="x()">1</td></tr></table>', '<table border="1"><tr><td colspan="2">1</td></tr></table>'],
  ])('%s', (html, safe) => {
    expect(sanitizeMailHtml(html)).toBe(safe);
  });
});

describe('htmlToText', () => {
  it('keeps one line per block, decodes entities, drops scripts and styles, marks quotes', () => {
    expect(htmlToText('<style>p{}</style><script>x()</script><p>Hello &amp; &lt;you&gt;</p><div>a<br>b</div><ul><li>one</li><li>two</li></ul><blockquote><p>old</p><blockquote>older</blockquote></blockquote>'))
      .toBe('Hello & <you>\na\nb\none\ntwo\n> old\n>> older');
  });
});

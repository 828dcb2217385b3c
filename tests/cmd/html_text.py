#!/usr/bin/env python3
"""The text of a salvage index.html as a browser left it (chromium
--dump-dom), one line per thing tests/cmd/index.sh checks:
  h1 TEXT
  group COUNT|SIGNATURE|TITLE
  row HOST|STATE|BYTES|LINK TEXT|HREF (percent-decoded)
  script            for every <script> element (there must be none)
Usage: html_text.py FILE"""
import html.parser
import sys
import urllib.parse


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.text, self.cells, self.out = [], {}, [], []
        self.href = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'script':
            self.out.append('script')
        if tag == 'a':
            self.href = urllib.parse.unquote(a.get('href', ''))
        if tag in ('h1', 'td', 'span', 'code'):
            self.stack.append([tag, a.get('class', ''), ''])

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1][0] != tag:
            return
        t, cls, text = self.stack.pop()
        if self.stack:
            self.stack[-1][2] += text
        if t == 'h1':
            self.out.append('h1 ' + text)
        elif t in ('span', 'code') and cls in ('count', 'sig', 'title'):
            self.text[cls] = text
            if cls == 'title':
                self.out.append('group %s|%s|%s' % (self.text['count'], self.text['sig'], text))
        elif t == 'td':
            self.cells.append(text)
            if len(self.cells) == 5:
                self.out.append('row ' + '|'.join(self.cells) + '|' + (self.href or ''))
                self.cells = []

    def handle_data(self, data):
        if self.stack:
            self.stack[-1][2] += data


p = Page()
p.feed(open(sys.argv[1], encoding='utf-8', errors='replace').read())
print('\n'.join(p.out))

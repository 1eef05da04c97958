package graphfake

import (
	"html"
	"regexp"
	"strings"
)

// Bodies as Exchange keeps and renders them. An event created or updated with a text body is kept as
// HTML that wraps the text: Graph answers with contentType html and a whole document, as its examples
// show for every body it stored (opentypeextension-post-opentypeextension.md, user-post-events.md). A
// request may ask for bodies in one form with Prefer: outlook.body-content-type="text" or "html"
// (event-get.md, message-get.md); Graph then converts.

// storedBody is how Exchange keeps an event body a client wrote.
func storedBody(content, contentType string) (string, string) {
	if strings.EqualFold(contentType, "html") {
		return content, "html"
	}
	return wrapHTML(content), "html"
}

// wrapHTML is text as the HTML document Exchange makes of it.
func wrapHTML(text string) string {
	escaped := strings.ReplaceAll(html.EscapeString(strings.ReplaceAll(text, "\r\n", "\n")), "\n", "<br>")
	return "<html>\r\n<head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\r\n</head>\r\n<body>\r\n" +
		"<div>" + escaped + "</div>\r\n</body>\r\n</html>\r\n"
}

var (
	htmlHead     = regexp.MustCompile(`(?is)<head[^>]*>.*?</head>|<(style|script)[^>]*>.*?</(style|script)>|<!--.*?-->`)
	htmlNewlines = regexp.MustCompile(`[\r\n]+`)
	htmlBreak    = regexp.MustCompile(`(?i)<br\s*/?>|</(p|div|li|tr|h[1-6])\s*>`)
	htmlTag      = regexp.MustCompile(`<[^>]*>`)
	blankRun     = regexp.MustCompile(`\n{3,}`)
)

// htmlToText is an HTML body as text, as Graph converts it for outlook.body-content-type="text".
func htmlToText(s string) string {
	s = htmlHead.ReplaceAllString(s, "")
	s = htmlNewlines.ReplaceAllString(s, "") // line breaks in HTML source are not text
	s = htmlBreak.ReplaceAllString(s, "\n")
	s = html.UnescapeString(htmlTag.ReplaceAllString(s, ""))
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.TrimSpace(blankRun.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
}

// renderBody renders an itemBody as the request prefers it.
func (c *call) renderBody(content, contentType string) map[string]any {
	contentType = or(contentType, "text")
	switch {
	case c.bodyType == "text" && strings.EqualFold(contentType, "html"):
		content, contentType = htmlToText(content), "text"
	case c.bodyType == "html" && strings.EqualFold(contentType, "text"):
		content, contentType = wrapHTML(content), "html"
	}
	return map[string]any{"contentType": contentType, "content": content}
}

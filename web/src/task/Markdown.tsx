import ReactMarkdown from 'react-markdown';

/**
 * Markdown rendered safely: raw HTML in the text is dropped (`skipHtml`, and no rehype-raw), and
 * react-markdown's default URL transform removes `javascript:` and other unsafe link targets.
 */
export function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown
        skipHtml
        components={{
          a: ({ href, children }) =>
            // A mention (web/src/task/mentions.ts marks them): highlighted, not a link.
            href?.startsWith('#mention-') ? (
              <span className="mention">{children}</span>
            ) : (
              <a href={href} target="_blank" rel="noopener noreferrer nofollow">
                {children}
              </a>
            ),
          img: ({ alt }) => <span className="muted">[image: {alt}]</span>,
        }}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
}

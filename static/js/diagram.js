// Draws every <pre class="mermaid"> on the page; the text stays in the page when script is off.
window.addEventListener('DOMContentLoaded', function () {
  if (!window.mermaid) { return }
  window.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral' })
  window.mermaid.run({ querySelector: 'pre.mermaid' })
})

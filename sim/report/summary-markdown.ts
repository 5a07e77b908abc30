/** summary.md's renderer under its original import path; the writer lives in markdown-writer.ts. */
export { renderSummaryMarkdown } from './markdown-writer.js';

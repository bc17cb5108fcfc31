// The shell blocks of the docs, as commands: what tests/docs/docs.test.ts checks against the CLI, the stacks'
// compositions and Pulumi.yaml, and what the e2e suites run against a running lab (a homework's first experiment).
import * as fs from "fs";
import * as path from "path";

export interface ShellBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The info string after the fence's language, e.g. `first-experiment` in ```bash first-experiment. */
  tag: string;
  text: string;
}

export interface ShellCommand {
  block: ShellBlock;
  /** 1-based line in the file where the command starts. */
  line: number;
  words: string[];
}

const SHELLS = new Set(["bash", "sh", "shell", "console"]);

/** Every fenced block in `file` whose language is a shell. */
export function shellBlocks(file: string): ShellBlock[] {
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const blocks: ShellBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && /^\s*```\s*$/.test(l));
    if (end < 0) throw new Error(`${file}:${i + 1}: a fence that never closes`);
    if (SHELLS.has(open[2])) blocks.push({ file, line: i + 1, tag: open[3].trim(), text: lines.slice(i + 1, end).join("\n") });
    i = end;
  }
  return blocks;
}

/**
 * Splits a block into simple commands (at newlines, `&&`, `||`, `;` and `|`, outside quotes), each as words with the
 * quotes removed; comments dropped, `\` continuations joined. `$(...)` stays one word, so its inside is not checked.
 */
export function commandsOf(block: ShellBlock): ShellCommand[] {
  const out: ShellCommand[] = [];
  let words: string[] = [];
  let word: string | undefined;
  let line = block.line + 1;
  let start = line;
  let quote: string | undefined;
  let depth = 0;
  const endWord = () => { if (word !== undefined) words.push(word); word = undefined; };
  const endCommand = () => {
    endWord();
    if (words.length) out.push({ block, line: start, words });
    words = [];
  };
  const text = block.text;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n") line++;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && i + 1 < text.length) word = (word ?? "") + text[++i];
      else word = (word ?? "") + c;
      continue;
    }
    if (depth > 0) {
      word = (word ?? "") + c;
      if (c === "(") depth++;
      if (c === ")") depth--;
      continue;
    }
    if (c === "$" && text[i + 1] === "(") { word = (word ?? "") + "$("; depth = 1; i++; continue; }
    if (c === "'" || c === '"') { quote = c; word ??= ""; continue; }
    if (c === "\\" && text[i + 1] === "\n") { i++; line++; continue; }
    if (c === "#" && word === undefined) { while (i + 1 < text.length && text[i + 1] !== "\n") i++; continue; }
    if (c === "\n" || c === ";" || c === "|" || (c === "&" && text[i + 1] === "&")) {
      if (c === "&" || (c === "|" && text[i + 1] === "|")) i++;
      endCommand();
      start = line;
      continue;
    }
    if (c === " " || c === "\t") { endWord(); if (!words.length) start = line; continue; }
    word = (word ?? "") + c;
  }
  if (quote) throw new Error(`${block.file}:${block.line}: an unclosed ${quote} in the block`);
  endCommand();
  return out;
}

/** README.md, docs/*.md and every homework's README.md under `root`. */
export function docFiles(root: string): string[] {
  const homeworks = path.join(root, "homeworks");
  return [
    path.join(root, "README.md"),
    ...fs.readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => path.join(root, "docs", f)),
    ...fs.readdirSync(homeworks).map((h) => path.join(homeworks, h, "README.md")).filter((f) => fs.existsSync(f)),
  ];
}

/** The one block a homework README tags ```bash first-experiment: what a student runs first, run by the e2e suite. */
export function firstExperiment(readme: string): ShellBlock {
  const tagged = shellBlocks(readme).filter((b) => b.tag === "first-experiment");
  if (tagged.length !== 1) throw new Error(`${readme}: ${tagged.length} blocks tagged first-experiment; want exactly one`);
  return tagged[0];
}

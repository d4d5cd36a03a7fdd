import { MENTION_PATTERN } from './demo-streams';

/** Distinct user names mentioned in `text`, lower-cased (user names are lower case). */
export function mentionsIn(text: string): string[] {
  return [...new Set([...text.matchAll(MENTION_PATTERN)].map((match) => match[1].toLowerCase()))];
}

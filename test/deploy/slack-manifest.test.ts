import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';

const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** The bot scope each Slack Web API method needs (api.slack.com/methods); views.open needs none. */
const SCOPE_OF: Record<string, string | null> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'chat.delete': 'chat:write',
  'views.open': null,
  'views.update': null,
  'conversations.info': 'channels:read',
  'conversations.list': 'channels:read',
  'conversations.history': 'channels:history',
  'conversations.replies': 'channels:history',
  'conversations.join': 'channels:join',
  'users.info': 'users:read',
  'users.lookupByEmail': 'users:read.email',
  'reactions.add': 'reactions:write',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry === 'node_modules' ? [] : sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

describe('deploy/slack-app-manifest.yaml', () => {
  const manifest = parseYaml(readFileSync(repo('deploy/slack-app-manifest.yaml'), 'utf8')) as {
    oauth_config: { scopes: { bot: string[]; user?: string[] } };
    settings: { interactivity: { is_enabled: boolean; request_url: string }; event_subscriptions?: unknown };
  };
  const code = sourceFiles(repo('packages')).map((path) => readFileSync(path, 'utf8')).join('\n');
  const methods = [...new Set([...code.matchAll(/\bclient\.(chat|views|conversations|users|reactions)\.([a-zA-Z]+)\(/g)].map((m) => `${m[1]}.${m[2]}`))].sort();

  it('asks for exactly the bot scopes of the Slack methods Vigil calls', () => {
    expect(methods.length).toBeGreaterThan(0);
    for (const method of methods) expect(SCOPE_OF, `scope of ${method}`).toHaveProperty([method]);
    const needed = [...new Set(methods.map((m) => SCOPE_OF[m]).filter((s): s is string => Boolean(s)))].sort();
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(needed);
    expect(manifest.oauth_config.scopes.user).toBeUndefined();
    expect(manifest.settings.event_subscriptions).toBeUndefined();
  });

  it('points interactivity at the route the api serves', () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    const path = new URL(manifest.settings.interactivity.request_url).pathname;
    expect(code).toContain(`'${path}'`);
  });

  it('is the manifest docs/slack.md tells people to use', () => {
    expect(readFileSync(repo('docs/slack.md'), 'utf8')).toContain('deploy/slack-app-manifest.yaml');
  });
});

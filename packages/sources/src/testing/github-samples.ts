/**
 * GitHub organisation webhook payloads (docs.github.com "Webhook events and payloads") and audit-log
 * events (REST `GET /orgs/{org}/audit-log`), for tests and docs.
 */
type Json = Record<string, unknown>;

export function githubUser(login: string, id = 583231): Json {
  return {
    login,
    id,
    node_id: 'MDQ6VXNlcjU4MzIzMQ==',
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    url: `https://api.github.com/users/${login}`,
    html_url: `https://github.com/${login}`,
    type: 'User',
    site_admin: false,
  };
}

export const acmeOrg: Json = {
  login: 'acme',
  id: 9919,
  node_id: 'MDEyOk9yZ2FuaXphdGlvbjk5MTk=',
  url: 'https://api.github.com/orgs/acme',
  description: 'Acme Corp',
};

/** `organization` event, action `member_added`: someone joined the organisation with a role. */
export function orgMemberAdded(login = 'hacktocat', role: 'admin' | 'member' = 'admin'): Json {
  return {
    action: 'member_added',
    membership: {
      url: `https://api.github.com/orgs/acme/memberships/${login}`,
      state: 'active',
      role,
      organization_url: 'https://api.github.com/orgs/acme',
      user: githubUser(login, 39652351),
    },
    organization: acmeOrg,
    sender: githubUser('octocat'),
  };
}

export function orgMemberRemoved(login = 'hacktocat'): Json {
  return { ...orgMemberAdded(login, 'member'), action: 'member_removed' };
}

/** `membership` event: a member added to (or removed from) a team. */
export function teamMembership(action: 'added' | 'removed', teamSlug: string, login = 'hacktocat'): Json {
  return {
    action,
    scope: 'team',
    member: githubUser(login, 39652351),
    sender: githubUser('octocat'),
    team: { name: teamSlug, id: 2723476, slug: teamSlug, privacy: 'closed', permission: 'pull', url: `https://api.github.com/teams/2723476` },
    organization: acmeOrg,
  };
}

export function orgBlock(action: 'blocked' | 'unblocked', login = 'spammer'): Json {
  return { action, blocked_user: githubUser(login, 12345), organization: acmeOrg, sender: githubUser('octocat') };
}

export function repositoryDeleted(): Json {
  return {
    action: 'deleted',
    repository: { id: 1296269, name: 'hello-world', full_name: 'acme/hello-world', private: true, owner: acmeOrg },
    organization: acmeOrg,
    sender: githubUser('octocat'),
  };
}

/** The `ping` GitHub sends when a webhook is created. */
export function ping(): Json {
  return {
    zen: 'Design for failure.',
    hook_id: 109948940,
    hook: { type: 'Organization', id: 109948940, name: 'web', active: true, events: ['*'], config: { content_type: 'json', insecure_ssl: '0', url: 'https://vigil.example.com/v1/events/github' } },
    organization: acmeOrg,
    sender: githubUser('octocat'),
  };
}

/** An organisation audit-log event; by default the disabling of the 2FA requirement. */
export function auditEvent(overrides: Json = {}): Json {
  return {
    '@timestamp': 1795341600000,
    _document_id: 'xJJFlFOhQ6b-5vaAFy9Rjw',
    action: 'org.disable_two_factor_requirement',
    actor: 'octocat',
    actor_id: 583231,
    actor_ip: '203.0.113.50',
    actor_location: { country_code: 'DE' },
    created_at: 1795341600000,
    operation_type: 'modify',
    org: 'acme',
    org_id: 9919,
    user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)',
    ...overrides,
  };
}

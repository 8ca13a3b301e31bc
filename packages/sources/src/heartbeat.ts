import type { Entity, FieldError } from '@vigil/schema';

/**
 * A heartbeat is about the source that sends it (conventions: `{type: 'source', id: <source name>}`),
 * so the source-silent rule meets it under the name the source has in the sources file.
 */
export function heartbeatEntity(source: string): Entity {
  return { type: 'source', id: source };
}

/**
 * A source may only vouch for itself: a heartbeat naming another entity would keep a different
 * source looking alive on this one's credential.
 */
export function checkHeartbeatEntity(entity: Entity, source: string): FieldError | undefined {
  if (entity.type === 'source' && entity.id === source) return undefined;
  return {
    path: 'entity',
    message: `a heartbeat is about the source that sends it: expected {"type": "source", "id": "${source}"}, got {"type": "${entity.type}", "id": "${entity.id}"}`,
  };
}

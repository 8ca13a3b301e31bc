import { encode, type IncomingMessage, type OutgoingMessage } from '@vigil/bus';
import { describeFailure } from '@vigil/runtime';
import { boundedDeadLetter, type DeadLetter, type TopicId } from '@vigil/schema';

/** Why a record was set aside: it would not decode, it came too late, or it failed every attempt. */
export type DeadLetterKind = 'undecodable' | 'late' | 'poison';

export interface StageDeadLetter {
  stage: string;
  kind: DeadLetterKind;
  reason: string;
  raw: unknown;
  origin: Pick<IncomingMessage, 'topic' | 'partition' | 'offset'>;
  receivedAt: string;
  errors?: DeadLetter['errors'];
  source?: string;
  failure?: { error: unknown; attempts: number };
}

/** One dead letter for a stage's DLQ topic, bounded in size, keyed by stage. */
export function stageDeadLetter(topic: Extract<TopicId, 'eventsDlq' | 'detectionsDlq'>, letter: StageDeadLetter): OutgoingMessage {
  const { failure } = letter;
  return encode(
    topic,
    letter.stage,
    boundedDeadLetter({
      stage: letter.stage,
      reason: letter.reason,
      errors: letter.errors ?? [],
      ...(letter.source === undefined ? {} : { source: letter.source }),
      receivedAt: letter.receivedAt,
      raw: letter.raw,
      origin: { topic: letter.origin.topic, partition: letter.origin.partition, offset: letter.origin.offset },
      ...(failure ? { error: { ...describeFailure(failure.error), attempts: failure.attempts } } : {}),
    }),
  );
}

// Every incident change and every detection, published as OCSF 1.3.0 findings on vigil.findings.ocsf and
// read back from Kafka, with each required attribute of the classes checked explicitly.
import { createBus } from '@vigil/bus';
import { OcsfFindingsPublisher } from '@vigil/incidents';
import { topicNames, type DetectionFinding, type IncidentFinding } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { seedKnownMonth } from '../../packages/incidents/src/audit/audit-test-helpers';
import { migratedStore } from '../../packages/incidents/src/store-test-helpers';
import { readTopic } from '../../packages/sources/src/testing/read-topic';
import { describe, expect, test } from '../fixtures/services';

describe('OCSF findings out', () => {
  test('an Incident Finding per change and a Detection Finding per detection, once each', async ({
    database,
    kafkaBrokers,
    uid,
  }) => {
    const { store, clock } = await migratedStore(database.pool);
    const [inc1, , inc3] = await seedKnownMonth(store, clock);
    const topics = topicNames(`${uid}.`);
    const bus = createBus({ brokers: kafkaBrokers, clientId: uid, logger: silentLogger });
    await bus.start();
    try {
      const publisher = new OcsfFindingsPublisher({ pool: database.pool, bus, topic: topics.findingsOcsf, logger: silentLogger });
      await publisher.round();
      // Nothing new: the cursor moved past every entry, so nothing is published twice.
      await publisher.round();
    } finally {
      await bus.stop();
    }
    const findings = await readTopic({ brokers: kafkaBrokers, topic: topics.findingsOcsf, as: 'findingsOcsf', groupId: `${uid}-ocsf`, count: 15 });
    expect(findings).toHaveLength(15);
    expect(new Set(findings.map((finding) => finding.metadata.uid)).size).toBe(15);

    const incidents = findings.filter((finding): finding is IncidentFinding => finding.class_uid === 2005);
    const detections = findings.filter((finding): finding is DetectionFinding => finding.class_uid === 2004);
    expect(incidents).toHaveLength(11);
    expect(detections).toHaveLength(4);

    for (const finding of findings) {
      // Base event (OCSF 1.3.0): classification, time in ms, metadata with the schema version and product.
      expect(finding.category_uid).toBe(2);
      expect(finding.type_uid).toBe(finding.class_uid * 100 + finding.activity_id);
      expect(finding.activity_name).toBe({ 1: 'Create', 2: 'Update', 3: 'Close' }[finding.activity_id]);
      expect(Number.isInteger(finding.time)).toBe(true);
      expect(finding.metadata).toMatchObject({ version: '1.3.0', product: { name: 'Vigil', vendor_name: 'Vigil' } });
      const severities: Record<number, string> = { 2: 'Low', 3: 'Medium', 4: 'High', 5: 'Critical' };
      expect(finding.severity).toBe(severities[finding.severity_id]);
      expect(finding.unmapped.compliance.standards).toEqual(['AICPA SOC 2']);
    }
    for (const finding of incidents) {
      // Incident Finding: finding_info_list and status_id required; assignee or assignee_group at least one.
      expect(finding.finding_info_list[0]?.uid).toBe(finding.unmapped.vigil.incidentId);
      expect(finding.status).toBe({ 1: 'New', 2: 'In Progress', 3: 'On Hold', 4: 'Resolved', 5: 'Closed' }[finding.status_id]);
      expect(finding.assignee_group.name).toBeTruthy();
    }
    const ofIncident = (id: string | undefined) =>
      incidents.filter((finding) => finding.unmapped.vigil.incidentId === id).map((f) => [f.activity_name, f.status, f.severity]);
    expect(ofIncident(inc1)).toEqual([
      ['Create', 'New', 'Critical'],
      ['Update', 'In Progress', 'Critical'],
      ['Update', 'In Progress', 'Critical'],
      ['Update', 'Resolved', 'Critical'],
    ]);
    expect(ofIncident(inc3)).toEqual([
      ['Create', 'New', 'Medium'],
      ['Close', 'Closed', 'Medium'],
    ]);
    expect(incidents.find((f) => f.unmapped.vigil.incidentId === inc3 && f.activity_id === 3)?.comment).toBe('test account');
    const created = incidents.find((f) => f.unmapped.vigil.incidentId === inc1 && f.activity_id === 1);
    expect(created?.unmapped.compliance.requirements).toEqual(['CC7.2', 'CC7.3']);

    // Detection Finding: finding_info required, with the rule as its analytic and the events behind it.
    expect(detections.map((finding) => finding.finding_info.uid).sort()).toEqual(['four', 'one', 'three', 'two']);
    for (const finding of detections) {
      expect(finding).toMatchObject({ activity_id: 1, status: 'New', is_alert: true });
      expect(finding.finding_info.analytic).toMatchObject({ type_id: 1, type: 'Rule' });
      expect(finding.finding_info.related_events?.length).toBeGreaterThan(0);
    }
  });
});

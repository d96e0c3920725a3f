/**
 * The pipeline: page views arrive on the `pageviews` topic (JSON); ksqlDB keeps the long ones
 * (30 s and more) in `long-pageviews` and counts views per page in 1-minute windows. Its test cases
 * run on streamform's local ksqlDB engine: `npx streamform test pageviews`.
 */
import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import {
  Column,
  Duration,
  KsqlFormat,
  KsqlQuery,
  KsqlStream,
  KsqlType,
  PipelineTest,
  QuerySink,
  StreamformCluster,
  Topic,
  ksql,
} from 'streamform';
import { Environment } from './environments';

export class PageviewsStack extends TerraformStack {
  constructor(scope: Construct, id: string, env: Environment) {
    super(scope, id);
    env.backend(this, id);
    new StreamformCluster(this, 'Cluster', env.cluster);

    const topic = new Topic(this, 'Pageviews', { topicName: 'pageviews', retention: Duration.days(7) });
    const pageviews = new KsqlStream(this, 'PageviewStream', {
      topic,
      valueFormat: KsqlFormat.JSON,
      columns: [
        Column.key('view_id', KsqlType.string()),
        Column.value('user_id', KsqlType.string()),
        Column.value('page', KsqlType.string()),
        Column.value('duration_ms', KsqlType.int()),
      ],
    });
    const longViews = new KsqlQuery(this, 'LongPageviews', {
      sink: QuerySink.stream({ topic: { topicName: 'long-pageviews' } }),
      select: ksql`SELECT * FROM ${pageviews} WHERE DURATION_MS >= 30000 EMIT CHANGES`,
    });
    new KsqlQuery(this, 'ViewsPerPage', {
      sink: QuerySink.table({ topic: { topicName: 'views-per-page' } }),
      select: ksql`SELECT PAGE, COUNT(*) AS VIEWS FROM ${pageviews} WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY PAGE EMIT CHANGES`,
    });

    new PipelineTest(this, 'KeepsLongViews', {
      description: 'a view of 30 s or more reaches long-pageviews, a shorter one does not',
      inputs: [
        { topic, key: 'v1', value: { user_id: 'u1', page: '/home', duration_ms: 45000 } },
        { topic, key: 'v2', value: { user_id: 'u2', page: '/home', duration_ms: 2000 } },
      ],
      expected: [{ topic: longViews, key: 'v1', value: { USER_ID: 'u1', PAGE: '/home', DURATION_MS: 45000 } }],
    });
  }
}

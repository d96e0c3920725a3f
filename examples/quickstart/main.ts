// A small pipeline written against streamform's public API only: a topic of page clicks, a
// ksqlDB stream over it and a persistent query keeping the mobile clicks. Endpoints come from
// STREAMFORM_BOOTSTRAP_SERVERS and STREAMFORM_KSQLDB_URL when the provider plans.
import { App, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { Column, Duration, KsqlFormat, KsqlQuery, KsqlStream, KsqlType, QuerySink, StreamformCluster, Topic, ksql } from 'streamform';

class ClicksStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new StreamformCluster(this, 'Cluster', { brokers: 1 });

    const clicks = new Topic(this, 'Clicks', { topicName: 'clicks', partitions: 3, retention: Duration.days(1) });
    const stream = new KsqlStream(this, 'ClickStream', {
      topic: clicks,
      valueFormat: KsqlFormat.JSON,
      columns: [
        Column.key('USER_ID', KsqlType.string()),
        Column.value('PAGE', KsqlType.string()),
        Column.value('DEVICE', KsqlType.string()),
      ],
    });
    new KsqlQuery(this, 'MobileClicks', {
      sink: QuerySink.stream({ topic: { topicName: 'mobile-clicks' } }),
      select: ksql`SELECT * FROM ${stream} WHERE DEVICE = 'mobile' EMIT CHANGES`,
    });
  }
}

const app = new App();
new ClicksStack(app, 'quickstart');
app.synth();

// https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/ksql_query
// generated from terraform resource schema

import { Construct } from 'constructs';
import * as cdktf from 'cdktf';

// Configuration

export interface KsqlQueryConfig extends cdktf.TerraformMetaArguments {
  /**
  * On destroy, also delete the Kafka topic (DROP ... DELETE TOPIC). Default false: the topic and its data stay.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/ksql_query#delete_topic KsqlQuery#delete_topic}
  */
  readonly deleteTopic?: boolean | cdktf.IResolvable;
  /**
  * Refuse to drop or replace the object. Default false.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/ksql_query#deletion_protection KsqlQuery#deletion_protection}
  */
  readonly deletionProtection?: boolean | cdktf.IResolvable;
  /**
  * The ksqlDB statement. Formatting, comments and keyword case do not matter.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/ksql_query#statement KsqlQuery#statement}
  */
  readonly statement: string;
  /**
  * Properties for the query, e.g. `{"auto.offset.reset": "earliest"}`.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/ksql_query#streams_properties KsqlQuery#streams_properties}
  */
  readonly streamsProperties?: { [key: string]: string };
}

/**
* Represents a {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/ksql_query streamform_ksql_query}
*/
export class KsqlQuery extends cdktf.TerraformResource {

  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = "streamform_ksql_query";

  // ==============
  // STATIC Methods
  // ==============
  /**
  * Generates CDKTF code for importing a KsqlQuery resource upon running "cdktf plan <stack-name>"
  * @param scope The scope in which to define this construct
  * @param importToId The construct id used in the generated config for the KsqlQuery to import
  * @param importFromId The id of the existing KsqlQuery that should be imported. Refer to the {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/ksql_query#import import section} in the documentation of this resource for the id to use
  * @param provider? Optional instance of the provider where the KsqlQuery to import is found
  */
  public static generateConfigForImport(scope: Construct, importToId: string, importFromId: string, provider?: cdktf.TerraformProvider) {
        return new cdktf.ImportableResource(scope, importToId, { terraformResourceType: "streamform_ksql_query", importId: importFromId, provider });
      }

  // ===========
  // INITIALIZER
  // ===========

  /**
  * Create a new {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/ksql_query streamform_ksql_query} Resource
  *
  * @param scope The scope in which to define this construct
  * @param id The scoped construct ID. Must be unique amongst siblings in the same scope
  * @param options KsqlQueryConfig
  */
  public constructor(scope: Construct, id: string, config: KsqlQueryConfig) {
    super(scope, id, {
      terraformResourceType: 'streamform_ksql_query',
      terraformGeneratorMetadata: {
        providerName: 'streamform',
        providerVersion: '0.1.0',
        providerVersionConstraint: '0.1.0'
      },
      provider: config.provider,
      dependsOn: config.dependsOn,
      count: config.count,
      lifecycle: config.lifecycle,
      provisioners: config.provisioners,
      connection: config.connection,
      forEach: config.forEach
    });
    this._deleteTopic = config.deleteTopic;
    this._deletionProtection = config.deletionProtection;
    this._statement = config.statement;
    this._streamsProperties = config.streamsProperties;
  }

  // ==========
  // ATTRIBUTES
  // ==========

  // delete_topic - computed: false, optional: true, required: false
  private _deleteTopic?: boolean | cdktf.IResolvable; 
  public get deleteTopic() {
    return this.getBooleanAttribute('delete_topic');
  }
  public set deleteTopic(value: boolean | cdktf.IResolvable) {
    this._deleteTopic = value;
  }
  public resetDeleteTopic() {
    this._deleteTopic = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get deleteTopicInput() {
    return this._deleteTopic;
  }

  // deletion_protection - computed: false, optional: true, required: false
  private _deletionProtection?: boolean | cdktf.IResolvable; 
  public get deletionProtection() {
    return this.getBooleanAttribute('deletion_protection');
  }
  public set deletionProtection(value: boolean | cdktf.IResolvable) {
    this._deletionProtection = value;
  }
  public resetDeletionProtection() {
    this._deletionProtection = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get deletionProtectionInput() {
    return this._deletionProtection;
  }

  // id - computed: true, optional: false, required: false
  public get id() {
    return this.getStringAttribute('id');
  }

  // instance_id - computed: true, optional: false, required: false
  public get instanceId() {
    return this.getStringAttribute('instance_id');
  }

  // name - computed: true, optional: false, required: false
  public get name() {
    return this.getStringAttribute('name');
  }

  // query_id - computed: true, optional: false, required: false
  public get queryId() {
    return this.getStringAttribute('query_id');
  }

  // query_state - computed: true, optional: false, required: false
  public get queryState() {
    return this.getStringAttribute('query_state');
  }

  // statement - computed: false, optional: false, required: true
  private _statement?: string; 
  public get statement() {
    return this.getStringAttribute('statement');
  }
  public set statement(value: string) {
    this._statement = value;
  }
  // Temporarily expose input value. Use with caution.
  public get statementInput() {
    return this._statement;
  }

  // streams_properties - computed: false, optional: true, required: false
  private _streamsProperties?: { [key: string]: string }; 
  public get streamsProperties() {
    return this.getStringMapAttribute('streams_properties');
  }
  public set streamsProperties(value: { [key: string]: string }) {
    this._streamsProperties = value;
  }
  public resetStreamsProperties() {
    this._streamsProperties = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get streamsPropertiesInput() {
    return this._streamsProperties;
  }

  // topic - computed: true, optional: false, required: false
  public get topic() {
    return this.getStringAttribute('topic');
  }

  // =========
  // SYNTHESIS
  // =========

  protected synthesizeAttributes(): { [name: string]: any } {
    return {
      delete_topic: cdktf.booleanToTerraform(this._deleteTopic),
      deletion_protection: cdktf.booleanToTerraform(this._deletionProtection),
      statement: cdktf.stringToTerraform(this._statement),
      streams_properties: cdktf.hashMapper(cdktf.stringToTerraform)(this._streamsProperties),
    };
  }

  protected synthesizeHclAttributes(): { [name: string]: any } {
    const attrs = {
      delete_topic: {
        value: cdktf.booleanToHclTerraform(this._deleteTopic),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
      deletion_protection: {
        value: cdktf.booleanToHclTerraform(this._deletionProtection),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
      statement: {
        value: cdktf.stringToHclTerraform(this._statement),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      streams_properties: {
        value: cdktf.hashMapperHcl(cdktf.stringToHclTerraform)(this._streamsProperties),
        isBlock: false,
        type: "map",
        storageClassType: "stringMap",
      },
    };

    // remove undefined attributes
    return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined ))
  }
}

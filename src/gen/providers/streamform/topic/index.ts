// https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/topic
// generated from terraform resource schema

import { Construct } from 'constructs';
import * as cdktf from 'cdktf';

// Configuration

export interface TopicConfig extends cdktf.TerraformMetaArguments {
  /**
  * Allow changes Kafka cannot make in place (fewer partitions, another replication factor) by deleting and re-creating the topic. **All its messages are lost.** Default false.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/topic#allow_replacement Topic#allow_replacement}
  */
  readonly allowReplacement?: boolean | cdktf.IResolvable;
  /**
  * Topic configs to set, e.g. `{"retention.ms": "604800000"}`.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/topic#config Topic#config}
  */
  readonly config?: { [key: string]: string };
  /**
  * Refuse to delete or replace the topic. Default false.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/topic#deletion_protection Topic#deletion_protection}
  */
  readonly deletionProtection?: boolean | cdktf.IResolvable;
  /**
  * This configuration owns all the topic-level configs of the topic: configs set on the topic outside streamform are removed by apply (they show in the plan). Default false: they are kept and reported in the plan as a warning.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/topic#exclusive_configs Topic#exclusive_configs}
  */
  readonly exclusiveConfigs?: boolean | cdktf.IResolvable;
  /**
  * Topic name. Changing it creates a new topic.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/topic#name Topic#name}
  */
  readonly name: string;
  /**
  * Number of partitions. Can grow in place; shrinking needs `allow_replacement`.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/topic#partitions Topic#partitions}
  */
  readonly partitions: number;
  /**
  * Replicas per partition. Defaults to the broker default.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/topic#replication_factor Topic#replication_factor}
  */
  readonly replicationFactor?: number;
}

/**
* Represents a {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/topic streamform_topic}
*/
export class Topic extends cdktf.TerraformResource {

  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = "streamform_topic";

  // ==============
  // STATIC Methods
  // ==============
  /**
  * Generates CDKTF code for importing a Topic resource upon running "cdktf plan <stack-name>"
  * @param scope The scope in which to define this construct
  * @param importToId The construct id used in the generated config for the Topic to import
  * @param importFromId The id of the existing Topic that should be imported. Refer to the {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/topic#import import section} in the documentation of this resource for the id to use
  * @param provider? Optional instance of the provider where the Topic to import is found
  */
  public static generateConfigForImport(scope: Construct, importToId: string, importFromId: string, provider?: cdktf.TerraformProvider) {
        return new cdktf.ImportableResource(scope, importToId, { terraformResourceType: "streamform_topic", importId: importFromId, provider });
      }

  // ===========
  // INITIALIZER
  // ===========

  /**
  * Create a new {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/topic streamform_topic} Resource
  *
  * @param scope The scope in which to define this construct
  * @param id The scoped construct ID. Must be unique amongst siblings in the same scope
  * @param options TopicConfig
  */
  public constructor(scope: Construct, id: string, config: TopicConfig) {
    super(scope, id, {
      terraformResourceType: 'streamform_topic',
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
    this._allowReplacement = config.allowReplacement;
    this._config = config.config;
    this._deletionProtection = config.deletionProtection;
    this._exclusiveConfigs = config.exclusiveConfigs;
    this._name = config.name;
    this._partitions = config.partitions;
    this._replicationFactor = config.replicationFactor;
  }

  // ==========
  // ATTRIBUTES
  // ==========

  // allow_replacement - computed: false, optional: true, required: false
  private _allowReplacement?: boolean | cdktf.IResolvable; 
  public get allowReplacement() {
    return this.getBooleanAttribute('allow_replacement');
  }
  public set allowReplacement(value: boolean | cdktf.IResolvable) {
    this._allowReplacement = value;
  }
  public resetAllowReplacement() {
    this._allowReplacement = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get allowReplacementInput() {
    return this._allowReplacement;
  }

  // config - computed: false, optional: true, required: false
  private _config?: { [key: string]: string }; 
  public get config() {
    return this.getStringMapAttribute('config');
  }
  public set config(value: { [key: string]: string }) {
    this._config = value;
  }
  public resetConfig() {
    this._config = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get configInput() {
    return this._config;
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

  // exclusive_configs - computed: false, optional: true, required: false
  private _exclusiveConfigs?: boolean | cdktf.IResolvable; 
  public get exclusiveConfigs() {
    return this.getBooleanAttribute('exclusive_configs');
  }
  public set exclusiveConfigs(value: boolean | cdktf.IResolvable) {
    this._exclusiveConfigs = value;
  }
  public resetExclusiveConfigs() {
    this._exclusiveConfigs = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get exclusiveConfigsInput() {
    return this._exclusiveConfigs;
  }

  // id - computed: true, optional: false, required: false
  public get id() {
    return this.getStringAttribute('id');
  }

  // name - computed: false, optional: false, required: true
  private _name?: string; 
  public get name() {
    return this.getStringAttribute('name');
  }
  public set name(value: string) {
    this._name = value;
  }
  // Temporarily expose input value. Use with caution.
  public get nameInput() {
    return this._name;
  }

  // partitions - computed: false, optional: false, required: true
  private _partitions?: number; 
  public get partitions() {
    return this.getNumberAttribute('partitions');
  }
  public set partitions(value: number) {
    this._partitions = value;
  }
  // Temporarily expose input value. Use with caution.
  public get partitionsInput() {
    return this._partitions;
  }

  // replication_factor - computed: true, optional: true, required: false
  private _replicationFactor?: number; 
  public get replicationFactor() {
    return this.getNumberAttribute('replication_factor');
  }
  public set replicationFactor(value: number) {
    this._replicationFactor = value;
  }
  public resetReplicationFactor() {
    this._replicationFactor = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get replicationFactorInput() {
    return this._replicationFactor;
  }

  // unmanaged_configs - computed: true, optional: false, required: false
  private _unmanagedConfigs = new cdktf.StringMap(this, "unmanaged_configs");
  public get unmanagedConfigs() {
    return this._unmanagedConfigs;
  }

  // =========
  // SYNTHESIS
  // =========

  protected synthesizeAttributes(): { [name: string]: any } {
    return {
      allow_replacement: cdktf.booleanToTerraform(this._allowReplacement),
      config: cdktf.hashMapper(cdktf.stringToTerraform)(this._config),
      deletion_protection: cdktf.booleanToTerraform(this._deletionProtection),
      exclusive_configs: cdktf.booleanToTerraform(this._exclusiveConfigs),
      name: cdktf.stringToTerraform(this._name),
      partitions: cdktf.numberToTerraform(this._partitions),
      replication_factor: cdktf.numberToTerraform(this._replicationFactor),
    };
  }

  protected synthesizeHclAttributes(): { [name: string]: any } {
    const attrs = {
      allow_replacement: {
        value: cdktf.booleanToHclTerraform(this._allowReplacement),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
      config: {
        value: cdktf.hashMapperHcl(cdktf.stringToHclTerraform)(this._config),
        isBlock: false,
        type: "map",
        storageClassType: "stringMap",
      },
      deletion_protection: {
        value: cdktf.booleanToHclTerraform(this._deletionProtection),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
      exclusive_configs: {
        value: cdktf.booleanToHclTerraform(this._exclusiveConfigs),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
      name: {
        value: cdktf.stringToHclTerraform(this._name),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      partitions: {
        value: cdktf.numberToHclTerraform(this._partitions),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      replication_factor: {
        value: cdktf.numberToHclTerraform(this._replicationFactor),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
    };

    // remove undefined attributes
    return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined ))
  }
}

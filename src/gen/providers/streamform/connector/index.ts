// https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/connector
// generated from terraform resource schema

import { Construct } from 'constructs';
import * as cdktf from 'cdktf';

// Configuration

export interface ConnectorConfig extends cdktf.TerraformMetaArguments {
  /**
  * Connector configuration; must contain `connector.class`.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/connector#config Connector#config}
  */
  readonly config: { [key: string]: string };
  /**
  * Connector name.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/connector#name Connector#name}
  */
  readonly name: string;
  /**
  * How long apply waits for the connector and its tasks to run. Default 120; 0 does not wait.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/connector#running_timeout_seconds Connector#running_timeout_seconds}
  */
  readonly runningTimeoutSeconds?: number;
  /**
  * Secret configuration values (passwords, keys), merged into `config` when sent and never shown in plans. Prefer `${env:NAME}` or `${file:path:key}` placeholders resolved by the Connect worker.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/connector#sensitive_config Connector#sensitive_config}
  */
  readonly sensitiveConfig?: { [key: string]: string };
}

/**
* Represents a {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/connector streamform_connector}
*/
export class Connector extends cdktf.TerraformResource {

  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = "streamform_connector";

  // ==============
  // STATIC Methods
  // ==============
  /**
  * Generates CDKTF code for importing a Connector resource upon running "cdktf plan <stack-name>"
  * @param scope The scope in which to define this construct
  * @param importToId The construct id used in the generated config for the Connector to import
  * @param importFromId The id of the existing Connector that should be imported. Refer to the {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/connector#import import section} in the documentation of this resource for the id to use
  * @param provider? Optional instance of the provider where the Connector to import is found
  */
  public static generateConfigForImport(scope: Construct, importToId: string, importFromId: string, provider?: cdktf.TerraformProvider) {
        return new cdktf.ImportableResource(scope, importToId, { terraformResourceType: "streamform_connector", importId: importFromId, provider });
      }

  // ===========
  // INITIALIZER
  // ===========

  /**
  * Create a new {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs/resources/connector streamform_connector} Resource
  *
  * @param scope The scope in which to define this construct
  * @param id The scoped construct ID. Must be unique amongst siblings in the same scope
  * @param options ConnectorConfig
  */
  public constructor(scope: Construct, id: string, config: ConnectorConfig) {
    super(scope, id, {
      terraformResourceType: 'streamform_connector',
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
    this._config = config.config;
    this._name = config.name;
    this._runningTimeoutSeconds = config.runningTimeoutSeconds;
    this._sensitiveConfig = config.sensitiveConfig;
  }

  // ==========
  // ATTRIBUTES
  // ==========

  // config - computed: false, optional: false, required: true
  private _config?: { [key: string]: string }; 
  public get config() {
    return this.getStringMapAttribute('config');
  }
  public set config(value: { [key: string]: string }) {
    this._config = value;
  }
  // Temporarily expose input value. Use with caution.
  public get configInput() {
    return this._config;
  }

  // connector_state - computed: true, optional: false, required: false
  public get connectorState() {
    return this.getStringAttribute('connector_state');
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

  // running_timeout_seconds - computed: false, optional: true, required: false
  private _runningTimeoutSeconds?: number; 
  public get runningTimeoutSeconds() {
    return this.getNumberAttribute('running_timeout_seconds');
  }
  public set runningTimeoutSeconds(value: number) {
    this._runningTimeoutSeconds = value;
  }
  public resetRunningTimeoutSeconds() {
    this._runningTimeoutSeconds = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get runningTimeoutSecondsInput() {
    return this._runningTimeoutSeconds;
  }

  // sensitive_config - computed: false, optional: true, required: false
  private _sensitiveConfig?: { [key: string]: string }; 
  public get sensitiveConfig() {
    return this.getStringMapAttribute('sensitive_config');
  }
  public set sensitiveConfig(value: { [key: string]: string }) {
    this._sensitiveConfig = value;
  }
  public resetSensitiveConfig() {
    this._sensitiveConfig = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get sensitiveConfigInput() {
    return this._sensitiveConfig;
  }

  // =========
  // SYNTHESIS
  // =========

  protected synthesizeAttributes(): { [name: string]: any } {
    return {
      config: cdktf.hashMapper(cdktf.stringToTerraform)(this._config),
      name: cdktf.stringToTerraform(this._name),
      running_timeout_seconds: cdktf.numberToTerraform(this._runningTimeoutSeconds),
      sensitive_config: cdktf.hashMapper(cdktf.stringToTerraform)(this._sensitiveConfig),
    };
  }

  protected synthesizeHclAttributes(): { [name: string]: any } {
    const attrs = {
      config: {
        value: cdktf.hashMapperHcl(cdktf.stringToHclTerraform)(this._config),
        isBlock: false,
        type: "map",
        storageClassType: "stringMap",
      },
      name: {
        value: cdktf.stringToHclTerraform(this._name),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      running_timeout_seconds: {
        value: cdktf.numberToHclTerraform(this._runningTimeoutSeconds),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      sensitive_config: {
        value: cdktf.hashMapperHcl(cdktf.stringToHclTerraform)(this._sensitiveConfig),
        isBlock: false,
        type: "map",
        storageClassType: "stringMap",
      },
    };

    // remove undefined attributes
    return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined ))
  }
}

// https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs
// generated from terraform resource schema

import { Construct } from 'constructs';
import * as cdktf from 'cdktf';

// Configuration

export interface StreamformProviderConfig {
  /**
  * Kafka bootstrap servers, comma-separated `host:port` (env STREAMFORM_BOOTSTRAP_SERVERS).
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs#bootstrap_servers StreamformProvider#bootstrap_servers}
  */
  readonly bootstrapServers?: string;
  /**
  * Kafka Connect basic-auth password.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs#connect_password StreamformProvider#connect_password}
  */
  readonly connectPassword?: string;
  /**
  * Kafka Connect REST URL, e.g. `http://localhost:8083`.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs#connect_url StreamformProvider#connect_url}
  */
  readonly connectUrl?: string;
  /**
  * Kafka Connect basic-auth user.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs#connect_username StreamformProvider#connect_username}
  */
  readonly connectUsername?: string;
  /**
  * PEM bundle of CAs to trust for SSL (system roots when absent).
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs#kafka_ca_pem StreamformProvider#kafka_ca_pem}
  */
  readonly kafkaCaPem?: string;
  /**
  * SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs#kafka_sasl_mechanism StreamformProvider#kafka_sasl_mechanism}
  */
  readonly kafkaSaslMechanism?: string;
  /**
  * SASL password (env STREAMFORM_KAFKA_SASL_PASSWORD).
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs#kafka_sasl_password StreamformProvider#kafka_sasl_password}
  */
  readonly kafkaSaslPassword?: string;
  /**
  * SASL user name.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs#kafka_sasl_username StreamformProvider#kafka_sasl_username}
  */
  readonly kafkaSaslUsername?: string;
  /**
  * PLAINTEXT (default), SSL, SASL_PLAINTEXT or SASL_SSL.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs#kafka_security_protocol StreamformProvider#kafka_security_protocol}
  */
  readonly kafkaSecurityProtocol?: string;
  /**
  * ksqlDB basic-auth password.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs#ksqldb_password StreamformProvider#ksqldb_password}
  */
  readonly ksqldbPassword?: string;
  /**
  * ksqlDB server URL, e.g. `http://localhost:8088`.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs#ksqldb_url StreamformProvider#ksqldb_url}
  */
  readonly ksqldbUrl?: string;
  /**
  * ksqlDB basic-auth user.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs#ksqldb_username StreamformProvider#ksqldb_username}
  */
  readonly ksqldbUsername?: string;
  /**
  * How long one call to Kafka, the Schema Registry, Kafka Connect or ksqlDB may take, retries included, before it fails naming the server (env STREAMFORM_REQUEST_TIMEOUT_SECONDS). Default 30.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs#request_timeout_seconds StreamformProvider#request_timeout_seconds}
  */
  readonly requestTimeoutSeconds?: number;
  /**
  * Schema Registry basic-auth password.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs#schema_registry_password StreamformProvider#schema_registry_password}
  */
  readonly schemaRegistryPassword?: string;
  /**
  * Schema Registry base URL, e.g. `http://localhost:8081` (Apicurio: `.../apis/ccompat/v7`).
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs#schema_registry_url StreamformProvider#schema_registry_url}
  */
  readonly schemaRegistryUrl?: string;
  /**
  * Schema Registry basic-auth user.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs#schema_registry_username StreamformProvider#schema_registry_username}
  */
  readonly schemaRegistryUsername?: string;
  /**
  * Alias name
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs#alias StreamformProvider#alias}
  */
  readonly alias?: string;
}

/**
* Represents a {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs streamform}
*/
export class StreamformProvider extends cdktf.TerraformProvider {

  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = "streamform";

  // ==============
  // STATIC Methods
  // ==============
  /**
  * Generates CDKTF code for importing a StreamformProvider resource upon running "cdktf plan <stack-name>"
  * @param scope The scope in which to define this construct
  * @param importToId The construct id used in the generated config for the StreamformProvider to import
  * @param importFromId The id of the existing StreamformProvider that should be imported. Refer to the {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs#import import section} in the documentation of this resource for the id to use
  * @param provider? Optional instance of the provider where the StreamformProvider to import is found
  */
  public static generateConfigForImport(scope: Construct, importToId: string, importFromId: string, provider?: cdktf.TerraformProvider) {
        return new cdktf.ImportableResource(scope, importToId, { terraformResourceType: "streamform", importId: importFromId, provider });
      }

  // ===========
  // INITIALIZER
  // ===========

  /**
  * Create a new {@link https://registry.terraform.io/providers/streamform/streamform/0.1.0/docs streamform} Resource
  *
  * @param scope The scope in which to define this construct
  * @param id The scoped construct ID. Must be unique amongst siblings in the same scope
  * @param options StreamformProviderConfig = {}
  */
  public constructor(scope: Construct, id: string, config: StreamformProviderConfig = {}) {
    super(scope, id, {
      terraformResourceType: 'streamform',
      terraformGeneratorMetadata: {
        providerName: 'streamform',
        providerVersion: '0.1.0',
        providerVersionConstraint: '0.1.0'
      },
      terraformProviderSource: 'registry.terraform.io/streamform/streamform'
    });
    this._bootstrapServers = config.bootstrapServers;
    this._connectPassword = config.connectPassword;
    this._connectUrl = config.connectUrl;
    this._connectUsername = config.connectUsername;
    this._kafkaCaPem = config.kafkaCaPem;
    this._kafkaSaslMechanism = config.kafkaSaslMechanism;
    this._kafkaSaslPassword = config.kafkaSaslPassword;
    this._kafkaSaslUsername = config.kafkaSaslUsername;
    this._kafkaSecurityProtocol = config.kafkaSecurityProtocol;
    this._ksqldbPassword = config.ksqldbPassword;
    this._ksqldbUrl = config.ksqldbUrl;
    this._ksqldbUsername = config.ksqldbUsername;
    this._requestTimeoutSeconds = config.requestTimeoutSeconds;
    this._schemaRegistryPassword = config.schemaRegistryPassword;
    this._schemaRegistryUrl = config.schemaRegistryUrl;
    this._schemaRegistryUsername = config.schemaRegistryUsername;
    this._alias = config.alias;
  }

  // ==========
  // ATTRIBUTES
  // ==========

  // bootstrap_servers - computed: false, optional: true, required: false
  private _bootstrapServers?: string; 
  public get bootstrapServers() {
    return this._bootstrapServers;
  }
  public set bootstrapServers(value: string | undefined) {
    this._bootstrapServers = value;
  }
  public resetBootstrapServers() {
    this._bootstrapServers = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get bootstrapServersInput() {
    return this._bootstrapServers;
  }

  // connect_password - computed: false, optional: true, required: false
  private _connectPassword?: string; 
  public get connectPassword() {
    return this._connectPassword;
  }
  public set connectPassword(value: string | undefined) {
    this._connectPassword = value;
  }
  public resetConnectPassword() {
    this._connectPassword = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get connectPasswordInput() {
    return this._connectPassword;
  }

  // connect_url - computed: false, optional: true, required: false
  private _connectUrl?: string; 
  public get connectUrl() {
    return this._connectUrl;
  }
  public set connectUrl(value: string | undefined) {
    this._connectUrl = value;
  }
  public resetConnectUrl() {
    this._connectUrl = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get connectUrlInput() {
    return this._connectUrl;
  }

  // connect_username - computed: false, optional: true, required: false
  private _connectUsername?: string; 
  public get connectUsername() {
    return this._connectUsername;
  }
  public set connectUsername(value: string | undefined) {
    this._connectUsername = value;
  }
  public resetConnectUsername() {
    this._connectUsername = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get connectUsernameInput() {
    return this._connectUsername;
  }

  // kafka_ca_pem - computed: false, optional: true, required: false
  private _kafkaCaPem?: string; 
  public get kafkaCaPem() {
    return this._kafkaCaPem;
  }
  public set kafkaCaPem(value: string | undefined) {
    this._kafkaCaPem = value;
  }
  public resetKafkaCaPem() {
    this._kafkaCaPem = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get kafkaCaPemInput() {
    return this._kafkaCaPem;
  }

  // kafka_sasl_mechanism - computed: false, optional: true, required: false
  private _kafkaSaslMechanism?: string; 
  public get kafkaSaslMechanism() {
    return this._kafkaSaslMechanism;
  }
  public set kafkaSaslMechanism(value: string | undefined) {
    this._kafkaSaslMechanism = value;
  }
  public resetKafkaSaslMechanism() {
    this._kafkaSaslMechanism = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get kafkaSaslMechanismInput() {
    return this._kafkaSaslMechanism;
  }

  // kafka_sasl_password - computed: false, optional: true, required: false
  private _kafkaSaslPassword?: string; 
  public get kafkaSaslPassword() {
    return this._kafkaSaslPassword;
  }
  public set kafkaSaslPassword(value: string | undefined) {
    this._kafkaSaslPassword = value;
  }
  public resetKafkaSaslPassword() {
    this._kafkaSaslPassword = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get kafkaSaslPasswordInput() {
    return this._kafkaSaslPassword;
  }

  // kafka_sasl_username - computed: false, optional: true, required: false
  private _kafkaSaslUsername?: string; 
  public get kafkaSaslUsername() {
    return this._kafkaSaslUsername;
  }
  public set kafkaSaslUsername(value: string | undefined) {
    this._kafkaSaslUsername = value;
  }
  public resetKafkaSaslUsername() {
    this._kafkaSaslUsername = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get kafkaSaslUsernameInput() {
    return this._kafkaSaslUsername;
  }

  // kafka_security_protocol - computed: false, optional: true, required: false
  private _kafkaSecurityProtocol?: string; 
  public get kafkaSecurityProtocol() {
    return this._kafkaSecurityProtocol;
  }
  public set kafkaSecurityProtocol(value: string | undefined) {
    this._kafkaSecurityProtocol = value;
  }
  public resetKafkaSecurityProtocol() {
    this._kafkaSecurityProtocol = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get kafkaSecurityProtocolInput() {
    return this._kafkaSecurityProtocol;
  }

  // ksqldb_password - computed: false, optional: true, required: false
  private _ksqldbPassword?: string; 
  public get ksqldbPassword() {
    return this._ksqldbPassword;
  }
  public set ksqldbPassword(value: string | undefined) {
    this._ksqldbPassword = value;
  }
  public resetKsqldbPassword() {
    this._ksqldbPassword = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get ksqldbPasswordInput() {
    return this._ksqldbPassword;
  }

  // ksqldb_url - computed: false, optional: true, required: false
  private _ksqldbUrl?: string; 
  public get ksqldbUrl() {
    return this._ksqldbUrl;
  }
  public set ksqldbUrl(value: string | undefined) {
    this._ksqldbUrl = value;
  }
  public resetKsqldbUrl() {
    this._ksqldbUrl = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get ksqldbUrlInput() {
    return this._ksqldbUrl;
  }

  // ksqldb_username - computed: false, optional: true, required: false
  private _ksqldbUsername?: string; 
  public get ksqldbUsername() {
    return this._ksqldbUsername;
  }
  public set ksqldbUsername(value: string | undefined) {
    this._ksqldbUsername = value;
  }
  public resetKsqldbUsername() {
    this._ksqldbUsername = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get ksqldbUsernameInput() {
    return this._ksqldbUsername;
  }

  // request_timeout_seconds - computed: false, optional: true, required: false
  private _requestTimeoutSeconds?: number; 
  public get requestTimeoutSeconds() {
    return this._requestTimeoutSeconds;
  }
  public set requestTimeoutSeconds(value: number | undefined) {
    this._requestTimeoutSeconds = value;
  }
  public resetRequestTimeoutSeconds() {
    this._requestTimeoutSeconds = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get requestTimeoutSecondsInput() {
    return this._requestTimeoutSeconds;
  }

  // schema_registry_password - computed: false, optional: true, required: false
  private _schemaRegistryPassword?: string; 
  public get schemaRegistryPassword() {
    return this._schemaRegistryPassword;
  }
  public set schemaRegistryPassword(value: string | undefined) {
    this._schemaRegistryPassword = value;
  }
  public resetSchemaRegistryPassword() {
    this._schemaRegistryPassword = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get schemaRegistryPasswordInput() {
    return this._schemaRegistryPassword;
  }

  // schema_registry_url - computed: false, optional: true, required: false
  private _schemaRegistryUrl?: string; 
  public get schemaRegistryUrl() {
    return this._schemaRegistryUrl;
  }
  public set schemaRegistryUrl(value: string | undefined) {
    this._schemaRegistryUrl = value;
  }
  public resetSchemaRegistryUrl() {
    this._schemaRegistryUrl = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get schemaRegistryUrlInput() {
    return this._schemaRegistryUrl;
  }

  // schema_registry_username - computed: false, optional: true, required: false
  private _schemaRegistryUsername?: string; 
  public get schemaRegistryUsername() {
    return this._schemaRegistryUsername;
  }
  public set schemaRegistryUsername(value: string | undefined) {
    this._schemaRegistryUsername = value;
  }
  public resetSchemaRegistryUsername() {
    this._schemaRegistryUsername = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get schemaRegistryUsernameInput() {
    return this._schemaRegistryUsername;
  }

  // alias - computed: false, optional: true, required: false
  private _alias?: string; 
  public get alias() {
    return this._alias;
  }
  public set alias(value: string | undefined) {
    this._alias = value;
  }
  public resetAlias() {
    this._alias = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get aliasInput() {
    return this._alias;
  }

  // =========
  // SYNTHESIS
  // =========

  protected synthesizeAttributes(): { [name: string]: any } {
    return {
      bootstrap_servers: cdktf.stringToTerraform(this._bootstrapServers),
      connect_password: cdktf.stringToTerraform(this._connectPassword),
      connect_url: cdktf.stringToTerraform(this._connectUrl),
      connect_username: cdktf.stringToTerraform(this._connectUsername),
      kafka_ca_pem: cdktf.stringToTerraform(this._kafkaCaPem),
      kafka_sasl_mechanism: cdktf.stringToTerraform(this._kafkaSaslMechanism),
      kafka_sasl_password: cdktf.stringToTerraform(this._kafkaSaslPassword),
      kafka_sasl_username: cdktf.stringToTerraform(this._kafkaSaslUsername),
      kafka_security_protocol: cdktf.stringToTerraform(this._kafkaSecurityProtocol),
      ksqldb_password: cdktf.stringToTerraform(this._ksqldbPassword),
      ksqldb_url: cdktf.stringToTerraform(this._ksqldbUrl),
      ksqldb_username: cdktf.stringToTerraform(this._ksqldbUsername),
      request_timeout_seconds: cdktf.numberToTerraform(this._requestTimeoutSeconds),
      schema_registry_password: cdktf.stringToTerraform(this._schemaRegistryPassword),
      schema_registry_url: cdktf.stringToTerraform(this._schemaRegistryUrl),
      schema_registry_username: cdktf.stringToTerraform(this._schemaRegistryUsername),
      alias: cdktf.stringToTerraform(this._alias),
    };
  }

  protected synthesizeHclAttributes(): { [name: string]: any } {
    const attrs = {
      bootstrap_servers: {
        value: cdktf.stringToHclTerraform(this._bootstrapServers),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      connect_password: {
        value: cdktf.stringToHclTerraform(this._connectPassword),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      connect_url: {
        value: cdktf.stringToHclTerraform(this._connectUrl),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      connect_username: {
        value: cdktf.stringToHclTerraform(this._connectUsername),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      kafka_ca_pem: {
        value: cdktf.stringToHclTerraform(this._kafkaCaPem),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      kafka_sasl_mechanism: {
        value: cdktf.stringToHclTerraform(this._kafkaSaslMechanism),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      kafka_sasl_password: {
        value: cdktf.stringToHclTerraform(this._kafkaSaslPassword),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      kafka_sasl_username: {
        value: cdktf.stringToHclTerraform(this._kafkaSaslUsername),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      kafka_security_protocol: {
        value: cdktf.stringToHclTerraform(this._kafkaSecurityProtocol),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      ksqldb_password: {
        value: cdktf.stringToHclTerraform(this._ksqldbPassword),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      ksqldb_url: {
        value: cdktf.stringToHclTerraform(this._ksqldbUrl),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      ksqldb_username: {
        value: cdktf.stringToHclTerraform(this._ksqldbUsername),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      request_timeout_seconds: {
        value: cdktf.numberToHclTerraform(this._requestTimeoutSeconds),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      schema_registry_password: {
        value: cdktf.stringToHclTerraform(this._schemaRegistryPassword),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      schema_registry_url: {
        value: cdktf.stringToHclTerraform(this._schemaRegistryUrl),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      schema_registry_username: {
        value: cdktf.stringToHclTerraform(this._schemaRegistryUsername),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      alias: {
        value: cdktf.stringToHclTerraform(this._alias),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
    };

    // remove undefined attributes
    return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined ))
  }
}

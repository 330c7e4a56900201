"""The SQLite schema at migration `REVISION`, exactly as the migrations leave it (generated).

A new SQLite store is made from it in one transaction: running Alembic and every migration cost each
new store ~0.25 s (Alembic's import alone ~0.15 s), paid by a user's first script and by every new
`autotrack server`. Migrations stay the truth: existing stores are upgraded by them, and
`tests/test_sqlite_head.py` fails when this differs from what they make; regenerate it with
`.venv/bin/python tests/test_sqlite_head.py`.
"""

REVISION = '0006'
STATEMENTS = (
    'CREATE TABLE alembic_version (\n\tversion_num VARCHAR(32) NOT NULL, \n\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)',
    'CREATE TABLE experiments (\n\texperiment_id INTEGER NOT NULL, \n\tname VARCHAR(256) NOT NULL, \n\tartifact_location TEXT, \n\tlifecycle_stage VARCHAR(32) NOT NULL, \n\tcreation_time BIGINT, \n\tlast_update_time BIGINT, \n\tPRIMARY KEY (experiment_id), \n\tUNIQUE (name)\n)',
    'CREATE TABLE experiment_tags (\n\texperiment_id INTEGER NOT NULL, \n\t"key" VARCHAR(250) NOT NULL, \n\tvalue TEXT, \n\tPRIMARY KEY (experiment_id, "key"), \n\tFOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id)\n)\n WITHOUT ROWID\n\n',
    'CREATE TABLE runs (\n\trun_uuid VARCHAR(32) NOT NULL, \n\texperiment_id INTEGER NOT NULL, \n\trun_name VARCHAR(250), \n\tuser_id VARCHAR(256), \n\tstatus VARCHAR(20) NOT NULL, \n\tstart_time BIGINT, \n\tend_time BIGINT, \n\theartbeat_deadline BIGINT, \n\tartifact_uri TEXT, \n\tlifecycle_stage VARCHAR(32) NOT NULL, \n\tPRIMARY KEY (run_uuid), \n\tFOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id)\n)',
    'CREATE INDEX ix_runs_experiment_start ON runs (experiment_id, start_time)',
    'CREATE TABLE params (\n\trun_uuid VARCHAR(32) NOT NULL, \n\t"key" VARCHAR(250) NOT NULL, \n\tvalue TEXT NOT NULL, \n\tPRIMARY KEY (run_uuid, "key"), \n\tFOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)\n)\n WITHOUT ROWID\n\n',
    'CREATE TABLE tags (\n\trun_uuid VARCHAR(32) NOT NULL, \n\t"key" VARCHAR(250) NOT NULL, \n\tvalue TEXT, \n\tPRIMARY KEY (run_uuid, "key"), \n\tFOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)\n)\n WITHOUT ROWID\n\n',
    'CREATE TABLE metric_chunks (\n\tchunk_id INTEGER NOT NULL, \n\trun_uuid VARCHAR(32) NOT NULL, \n\t"key" VARCHAR(250) NOT NULL, \n\tcount INTEGER NOT NULL, \n\tsteps BLOB NOT NULL, \n\ttimestamps BLOB NOT NULL, \n\t"values" BLOB NOT NULL, \n\tPRIMARY KEY (chunk_id)\n)',
    'CREATE INDEX ix_metric_chunks_run_key ON metric_chunks (run_uuid, "key")',
    'CREATE TABLE latest_metrics (\n\trun_uuid VARCHAR(32) NOT NULL, \n\t"key" VARCHAR(250) NOT NULL, \n\tvalue FLOAT NOT NULL, \n\ttimestamp BIGINT NOT NULL, \n\tstep BIGINT NOT NULL, \n\tis_nan BOOLEAN NOT NULL, \n\tPRIMARY KEY (run_uuid, "key"), \n\tFOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)\n)\n WITHOUT ROWID\n\n',
    'CREATE INDEX ix_latest_metrics_key_value ON latest_metrics ("key", is_nan, value)',
    "CREATE TABLE registered_models (\n\tname VARCHAR(256) NOT NULL, \n\tcreation_time BIGINT NOT NULL, \n\tlast_updated_time BIGINT NOT NULL, \n\tdescription TEXT, \n\tlast_version INTEGER DEFAULT '0' NOT NULL, \n\tPRIMARY KEY (name)\n)",
    'CREATE TABLE registered_model_tags (\n\tname VARCHAR(256) NOT NULL, \n\t"key" VARCHAR(250) NOT NULL, \n\tvalue TEXT, \n\tPRIMARY KEY (name, "key"), \n\tFOREIGN KEY(name) REFERENCES registered_models (name) ON DELETE CASCADE ON UPDATE CASCADE\n)',
    "CREATE TABLE model_versions (\n\tname VARCHAR(256) NOT NULL, \n\tversion INTEGER NOT NULL, \n\tcreation_time BIGINT NOT NULL, \n\tlast_updated_time BIGINT NOT NULL, \n\tdescription TEXT, \n\tuser_id VARCHAR(256), \n\tsource TEXT NOT NULL, \n\trun_id VARCHAR(32), \n\tstatus VARCHAR(20) NOT NULL, current_stage VARCHAR(20) DEFAULT 'None' NOT NULL, \n\tPRIMARY KEY (name, version), \n\tFOREIGN KEY(name) REFERENCES registered_models (name) ON DELETE CASCADE ON UPDATE CASCADE\n)",
    'CREATE INDEX ix_model_versions_run ON model_versions (run_id)',
    'CREATE TABLE model_version_tags (\n\tname VARCHAR(256) NOT NULL, \n\tversion INTEGER NOT NULL, \n\t"key" VARCHAR(250) NOT NULL, \n\tvalue TEXT, \n\tPRIMARY KEY (name, version, "key"), \n\tFOREIGN KEY(name, version) REFERENCES model_versions (name, version) ON DELETE CASCADE ON UPDATE CASCADE\n)',
    'CREATE TABLE registered_model_aliases (\n\tname VARCHAR(256) NOT NULL, \n\talias VARCHAR(256) NOT NULL, \n\tversion INTEGER NOT NULL, \n\tPRIMARY KEY (name, alias), \n\tFOREIGN KEY(name) REFERENCES registered_models (name) ON DELETE CASCADE ON UPDATE CASCADE\n)',
    'CREATE TABLE datasets (\n\tdataset_id VARCHAR(36) NOT NULL, \n\texperiment_id INTEGER NOT NULL, \n\tname VARCHAR(500) NOT NULL, \n\tdigest VARCHAR(36) NOT NULL, \n\tsource_type VARCHAR(36) NOT NULL, \n\tsource TEXT NOT NULL, \n\tschema TEXT, \n\tprofile TEXT, \n\tPRIMARY KEY (dataset_id), \n\tCONSTRAINT uq_datasets_experiment_name_digest UNIQUE (experiment_id, name, digest), \n\tFOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id)\n)',
    'CREATE TABLE run_inputs (\n\trun_uuid VARCHAR(32) NOT NULL, \n\tdataset_id VARCHAR(36) NOT NULL, \n\ttags TEXT NOT NULL, \n\tPRIMARY KEY (run_uuid, dataset_id), \n\tFOREIGN KEY(run_uuid) REFERENCES runs (run_uuid), \n\tFOREIGN KEY(dataset_id) REFERENCES datasets (dataset_id)\n)',
    'CREATE TABLE logged_models (\n\tmodel_id VARCHAR(36) NOT NULL, \n\texperiment_id INTEGER NOT NULL, \n\tname VARCHAR(500) NOT NULL, \n\tartifact_location TEXT NOT NULL, \n\tsource_run_id VARCHAR(32), \n\tmodel_type VARCHAR(500), \n\tstatus VARCHAR(20) NOT NULL, \n\tcreation_time BIGINT NOT NULL, \n\tlast_updated_time BIGINT NOT NULL, \n\tPRIMARY KEY (model_id), \n\tFOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id)\n)',
    'CREATE INDEX ix_logged_models_experiment_creation ON logged_models (experiment_id, creation_time)',
    'CREATE TABLE logged_model_params (\n\tmodel_id VARCHAR(36) NOT NULL, \n\t"key" VARCHAR(250) NOT NULL, \n\tvalue TEXT NOT NULL, \n\tPRIMARY KEY (model_id, "key"), \n\tFOREIGN KEY(model_id) REFERENCES logged_models (model_id) ON DELETE CASCADE\n)',
    'CREATE TABLE logged_model_tags (\n\tmodel_id VARCHAR(36) NOT NULL, \n\t"key" VARCHAR(250) NOT NULL, \n\tvalue TEXT NOT NULL, \n\tPRIMARY KEY (model_id, "key"), \n\tFOREIGN KEY(model_id) REFERENCES logged_models (model_id) ON DELETE CASCADE\n)',
    'CREATE TABLE logged_model_metrics (\n\tmetric_id INTEGER NOT NULL, \n\tmodel_id VARCHAR(36) NOT NULL, \n\t"key" VARCHAR(250) NOT NULL, \n\tvalue FLOAT NOT NULL, \n\ttimestamp BIGINT NOT NULL, \n\tstep BIGINT NOT NULL, \n\trun_uuid VARCHAR(32), \n\tdataset_name VARCHAR(500), \n\tdataset_digest VARCHAR(36), \n\tPRIMARY KEY (metric_id), \n\tFOREIGN KEY(model_id) REFERENCES logged_models (model_id) ON DELETE CASCADE\n)',
    'CREATE INDEX ix_logged_model_metrics_model_key ON logged_model_metrics (model_id, "key")',
    'CREATE TABLE auth_users (\n\tid INTEGER NOT NULL, \n\tusername VARCHAR(256) NOT NULL, \n\tpassword_hash VARCHAR(512) NOT NULL, \n\tis_admin BOOLEAN DEFAULT 0 NOT NULL, \n\tcreation_time BIGINT NOT NULL, \n\tPRIMARY KEY (id), \n\tUNIQUE (username)\n)',
    'CREATE TABLE auth_tokens (\n\ttoken_id VARCHAR(16) NOT NULL, \n\ttoken_hash VARCHAR(64) NOT NULL, \n\tuser_id INTEGER NOT NULL, \n\tdescription VARCHAR(256), \n\tcreation_time BIGINT NOT NULL, \n\tPRIMARY KEY (token_id), \n\tUNIQUE (token_hash), \n\tFOREIGN KEY(user_id) REFERENCES auth_users (id) ON DELETE CASCADE\n)',
    'CREATE TABLE auth_experiment_permissions (\n\texperiment_id VARCHAR(32) NOT NULL, \n\tuser_id INTEGER NOT NULL, \n\tpermission VARCHAR(32) NOT NULL, \n\tPRIMARY KEY (experiment_id, user_id), \n\tFOREIGN KEY(user_id) REFERENCES auth_users (id) ON DELETE CASCADE\n)',
    'CREATE TABLE auth_registered_model_permissions (\n\tname VARCHAR(256) NOT NULL, \n\tuser_id INTEGER NOT NULL, \n\tpermission VARCHAR(32) NOT NULL, \n\tPRIMARY KEY (name, user_id), \n\tFOREIGN KEY(user_id) REFERENCES auth_users (id) ON DELETE CASCADE\n)',
    'CREATE INDEX ix_auth_experiment_permissions_user ON auth_experiment_permissions (user_id)',
    'CREATE INDEX ix_auth_registered_model_permissions_user ON auth_registered_model_permissions (user_id)',
    'CREATE INDEX ix_runs_experiment_stage ON runs (experiment_id, lifecycle_stage, start_time)',
)

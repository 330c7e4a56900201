"""Store conformance for the model registry: SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

import multiprocessing

import pytest

from autotrack.exceptions import InvalidInput, NotFound


def test_versions_are_numbered_per_model(store):
    store.create_registered_model("churn", tags={"team": "ml"}, description="first try")
    store.create_registered_model("fraud")
    assert store.create_model_version("churn", "runs:/a/model", run_id="a").version == 1
    assert store.create_model_version("churn", "runs:/b/model", run_id="b").version == 2
    assert store.create_model_version("fraud", "/models/f").version == 1
    model = store.get_registered_model("churn")
    assert model.tags == {"team": "ml"}
    assert model.description == "first try"
    assert [v.version for v in model.latest_versions] == [2]
    version = store.get_model_version("churn", "2")
    assert (version.source, version.run_id, version.status) == ("runs:/b/model", "b", "READY")


def test_duplicate_model_and_missing_names_are_clear_errors(store):
    store.create_registered_model("dup")
    with pytest.raises(InvalidInput, match="already exists"):
        store.create_registered_model("dup")
    with pytest.raises(NotFound, match="No registered model named 'ghost'"):
        store.get_registered_model("ghost")
    with pytest.raises(NotFound, match="create_registered_model"):
        store.create_model_version("ghost", "/x")
    with pytest.raises(NotFound, match="no version 7"):
        store.get_model_version("dup", 7)
    for bad in ("", "a/b", "a@b"):
        with pytest.raises(InvalidInput, match="Invalid model name"):
            store.create_registered_model(bad)
    for bad in (0, -1, "one", "1.5"):
        with pytest.raises(InvalidInput, match="positive integer"):
            store.get_model_version("dup", bad)


def test_get_or_create_registered_model_is_idempotent(store):
    first = store.get_or_create_registered_model("shared")
    store.create_model_version("shared", "/m")
    second = store.get_or_create_registered_model("shared")
    assert first.creation_timestamp == second.creation_timestamp
    assert second.latest_versions[0].version == 1


def test_descriptions_and_tags(store):
    store.create_registered_model("m")
    store.create_model_version("m", "/m", tags={"stage": "dev"})
    assert store.update_registered_model("m", "a forest").description == "a forest"
    assert store.update_model_version("m", 1, "100 trees").description == "100 trees"
    store.set_registered_model_tag("m", "owner", "ana")
    store.set_registered_model_tag("m", "owner", "bo")
    store.set_model_version_tag("m", 1, "validated", "yes")
    assert store.get_registered_model("m").tags == {"owner": "bo"}
    assert store.get_model_version("m", 1).tags == {"stage": "dev", "validated": "yes"}
    store.delete_model_version_tag("m", 1, "stage")
    store.delete_registered_model_tag("m", "owner")
    assert store.get_model_version("m", 1).tags == {"validated": "yes"}
    assert store.get_registered_model("m").tags == {}
    with pytest.raises(NotFound):
        store.delete_registered_model_tag("m", "owner")


def test_aliases_move_and_follow_deletions(store):
    store.create_registered_model("m")
    for source in ("/v1", "/v2", "/v3"):
        store.create_model_version("m", source)
    store.set_registered_model_alias("m", "champion", 1)
    store.set_registered_model_alias("m", "challenger", "2")
    assert store.get_model_version_by_alias("m", "champion").source == "/v1"
    store.set_registered_model_alias("m", "champion", 3)  # moving an alias replaces it
    assert store.get_model_version_by_alias("m", "champion").version == 3
    assert store.get_registered_model("m").aliases == {"champion": 3, "challenger": 2}
    assert store.get_model_version("m", 3).aliases == ("champion",)
    store.delete_model_version("m", 2)  # its alias goes with it
    with pytest.raises(NotFound, match="no alias 'challenger'"):
        store.get_model_version_by_alias("m", "challenger")
    store.delete_registered_model_alias("m", "champion")
    assert store.get_registered_model("m").aliases == {}
    with pytest.raises(NotFound, match="no version 9"):
        store.set_registered_model_alias("m", "x", 9)
    for bad in ("latest", "v2", "has space", "", "1st"):
        with pytest.raises(InvalidInput, match="Invalid alias"):
            store.set_registered_model_alias("m", bad, 1)


def test_deleted_version_numbers_are_never_reused(store):
    store.create_registered_model("m")
    store.create_model_version("m", "/v1")
    store.create_model_version("m", "/v2")
    store.delete_model_version("m", 2)
    assert store.get_latest_model_version("m").version == 1
    assert store.create_model_version("m", "/v3").version == 3
    with pytest.raises(NotFound):
        store.delete_model_version("m", 2)


def test_rename_carries_versions_tags_and_aliases(store):
    store.create_registered_model("old", tags={"k": "v"})
    store.create_model_version("old", "/v1", tags={"t": "1"})
    store.set_registered_model_alias("old", "prod", 1)
    store.create_registered_model("taken")
    with pytest.raises(InvalidInput, match="already exists"):
        store.rename_registered_model("old", "taken")
    renamed = store.rename_registered_model("old", "new")
    assert (renamed.name, renamed.tags, renamed.aliases) == ("new", {"k": "v"}, {"prod": 1})
    assert store.get_model_version("new", 1).tags == {"t": "1"}
    assert store.create_model_version("new", "/v2").version == 2  # the counter moved too
    with pytest.raises(NotFound):
        store.get_registered_model("old")


def test_delete_registered_model_removes_everything(store):
    store.create_registered_model("gone", tags={"a": "b"})
    store.create_model_version("gone", "/v1", tags={"c": "d"})
    store.set_registered_model_alias("gone", "prod", 1)
    store.delete_registered_model("gone")
    with pytest.raises(NotFound):
        store.get_registered_model("gone")
    assert store.search_model_versions("name = 'gone'")[0] == []
    store.create_registered_model("gone")  # the name is free again, with nothing left over
    assert store.get_registered_model("gone").tags == {}
    assert store.create_model_version("gone", "/new").version == 1
    with pytest.raises(NotFound):
        store.delete_registered_model("never")


def test_search_registered_models_filters_orders_and_pages(store):
    for name in ("sk-forest", "sk-linear", "xgb-booster"):
        store.create_registered_model(name, tags={"lib": name.split("-")[0]})
    names = lambda found: [m.name for m in found[0]]  # noqa: E731
    assert names(store.search_registered_models()) == ["sk-forest", "sk-linear", "xgb-booster"]
    assert names(store.search_registered_models("name LIKE 'sk-%'")) == ["sk-forest", "sk-linear"]
    assert names(store.search_registered_models("tags.lib = 'xgb'")) == ["xgb-booster"]
    assert names(store.search_registered_models(order_by=["name DESC"])) == ["xgb-booster", "sk-linear", "sk-forest"]
    page, token = store.search_registered_models(max_results=2)
    assert [m.name for m in page] == ["sk-forest", "sk-linear"] and token
    assert names(store.search_registered_models(max_results=2, page_token=token)) == ["xgb-booster"]
    with pytest.raises(InvalidInput, match="Cannot filter on 'params.lr'"):
        store.search_registered_models("params.lr = '1'")
    with pytest.raises(InvalidInput, match="Cannot order by"):
        store.search_registered_models(order_by=["tags.lib"])


def test_search_model_versions(store):
    store.create_registered_model("a")
    store.create_registered_model("b")
    store.create_model_version("a", "runs:/r1/model", run_id="r1")
    store.create_model_version("a", "runs:/r2/model", run_id="r2", tags={"ok": "yes"})
    store.create_model_version("b", "runs:/r1/other", run_id="r1")
    found = lambda text: [(v.name, v.version) for v in store.search_model_versions(text)[0]]  # noqa: E731
    assert found("") == [("a", 2), ("a", 1), ("b", 1)]
    assert found("name = 'a'") == [("a", 2), ("a", 1)]
    assert found("run_id = 'r1'") == [("a", 1), ("b", 1)]
    assert found("name = 'a' and version = '1'") == [("a", 1)]
    assert found("tags.ok = 'yes'") == [("a", 2)]
    assert found("source LIKE '%other'") == [("b", 1)]


def _register(args) -> list[int]:
    uri, root, count = args
    from autotrack.store.sql import SqlStore

    store = SqlStore(uri, root)
    return [store.create_model_version("race", f"/m{i}").version for i in range(count)]


def test_concurrent_registration_gives_distinct_consecutive_versions(store, database_uri, tmp_path):
    store.create_registered_model("race")
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        results = pool.map(_register, [(database_uri, str(tmp_path), 10)] * 4)
    versions = sorted(v for result in results for v in result)
    assert versions == list(range(1, 41))
    assert all(result == sorted(result) for result in results)
    assert store.get_latest_model_version("race").version == 40


def test_stages_move_versions_and_find_the_newest_per_stage(store):
    store.create_registered_model("staged")
    for i in range(3):
        store.create_model_version("staged", f"/m{i}")
    assert store.get_model_version("staged", 1).current_stage == "None"
    assert store.transition_model_version_stage("staged", 1, "production").current_stage == "Production"
    store.transition_model_version_stage("staged", 2, "Staging")
    store.transition_model_version_stage("staged", 3, "Staging")
    assert [(v.version, v.current_stage) for v in store.get_latest_versions("staged", ["Staging", "Production"])] \
        == [(1, "Production"), (3, "Staging")]
    assert [v.version for v in store.get_latest_versions("staged", [])] == [1, 3]  # every stage holding one
    store.transition_model_version_stage("staged", 2, "Production", archive_existing_versions=True)
    assert [store.get_model_version("staged", v).current_stage for v in (1, 2, 3)] == ["Archived", "Production",
                                                                                       "Staging"]
    with pytest.raises(InvalidInput, match="Invalid model version stage"):
        store.transition_model_version_stage("staged", 1, "Prod")
    with pytest.raises(NotFound, match="no version 9"):
        store.transition_model_version_stage("staged", 9, "Staging")


def test_a_database_from_before_the_registry_is_upgraded_in_place(database_uri, tmp_path):
    """A store written at revision 0001 opens with this version: runs kept, registry tables added."""
    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    from autotrack.store import sql
    from autotrack.store.sql import SqlStore

    engine = sa.create_engine(database_uri)
    config = Config(str(sql._MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(sql._MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.exec_driver_sql(
            "INSERT INTO runs (run_uuid, experiment_id, run_name, status, lifecycle_stage) "
            "VALUES ('oldrun', 0, 'old', 'FINISHED', 'active')")
    engine.dispose()
    store = SqlStore(database_uri, str(tmp_path / "artifacts"))
    assert store.get_run("oldrun").info.run_name == "old"
    store.create_registered_model("after-upgrade")
    assert store.create_model_version("after-upgrade", "runs:/oldrun/model", run_id="oldrun").version == 1


def test_a_revision_0002_database_gets_mlflow_system_tag_names_and_stages(database_uri, tmp_path):
    """A store written by autotrack before revision 0003: its system tags are renamed to MLflow's names."""
    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    from autotrack.store import sql
    from autotrack.store.sql import SqlStore

    engine = sa.create_engine(database_uri)
    config = Config(str(sql._MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(sql._MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0002")
        conn.exec_driver_sql(
            "INSERT INTO runs (run_uuid, experiment_id, run_name, status, lifecycle_stage) VALUES "
            "('parent', 0, 'grid', 'FINISHED', 'active'), ('child', 0, 'cand', 'FINISHED', 'active')")
        conn.exec_driver_sql(  # what autotrack wrote before: autotrack.* system tags, sweep tags, user tags
            "INSERT INTO tags (run_uuid, key, value) VALUES "
            "('parent', 'autotrack.runName', 'grid'), ('parent', 'autotrack.user', 'ana'), "
            "('parent', 'autotrack.source.name', '/w/train.py'), ('parent', 'autotrack.source.git.commit', 'abc'), "
            "('parent', 'autotrack.autologging', 'sklearn'), ('parent', 'autotrack.note.content', 'why'), "
            "('parent', 'autotrack.sweep', 'parent'), ('parent', 'team', 'ml'), "
            "('child', 'autotrack.runName', 'cand'), ('child', 'autotrack.parentRunId', 'parent'), "
            "('child', 'mlflow.runName', 'cand-from-mlflow'), ('child', 'autotrack.trial.state', 'PRUNED')")
        conn.exec_driver_sql(
            "INSERT INTO registered_models (name, creation_time, last_updated_time, last_version) VALUES ('m', 1, 1, 1)")
        conn.exec_driver_sql(
            "INSERT INTO model_versions (name, version, creation_time, last_updated_time, source, status) "
            "VALUES ('m', 1, 1, 1, '/m', 'READY')")
    engine.dispose()
    store = SqlStore(database_uri, str(tmp_path / "artifacts"))
    assert store.get_run("parent").data.tags == {
        "mlflow.runName": "grid", "mlflow.user": "ana", "mlflow.source.name": "/w/train.py",
        "mlflow.source.git.commit": "abc", "mlflow.autologging": "sklearn", "mlflow.note.content": "why",
        "autotrack.sweep": "parent", "team": "ml"}
    # a tag sent under MLflow's name by an MLflow client is kept over autotrack's old one
    assert store.get_run("child").data.tags == {
        "mlflow.runName": "cand-from-mlflow", "mlflow.parentRunId": "parent", "autotrack.trial.state": "PRUNED"}
    found, _ = store.search_runs(["0"], "tags.mlflow.parentRunId = 'parent'")
    assert [run.info.run_id for run in found] == ["child"]
    assert store.get_model_version("m", 1).current_stage == "None"
    assert store.transition_model_version_stage("m", 1, "Staging").current_stage == "Staging"

"""Configuration keys of real extracts: data.encoding and data.spark (issue 18)."""

from __future__ import annotations

import pytest

from analysis.config import ConfigError, parse_config


def test_spark_settings_become_spark_properties():
    config = parse_config(
        {"data": {"engine": "spark", "spark": {"driver_memory": "3g", "shuffle_partitions": 4}}}
    )
    assert config.data.spark.properties() == {
        "spark.driver.memory": "3g",
        "spark.sql.shuffle.partitions": "4",
    }
    cluster = parse_config({"data": {"spark": {"executor_memory": "8g"}}}).data.spark
    assert cluster.properties()["spark.executor.memory"] == "8g"
    assert cluster.properties()["spark.driver.memory"] == "2g"  # the default


@pytest.mark.parametrize(
    ("spark", "message"),
    [
        ({"driver_memory": "lots"}, "'data.spark.driver_memory' must be a memory size"),
        ({"driver_memory": 2}, "'data.spark.driver_memory' must be a memory size"),
        ({"shuffle_partitions": 0}, "'data.spark.shuffle_partitions' must be a whole number"),
        ({"shuffle_partitions": True}, "'data.spark.shuffle_partitions' must be a whole number"),
        ({"cores": 2}, "unknown key(s) data.spark.cores"),
    ],
)
def test_bad_spark_settings_name_the_key(spark, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_config({"data": {"spark": spark}})


def test_encoding_is_checked_and_named_canonically():
    assert parse_config({"data": {"encoding": "Latin-1"}}).data.encoding == "iso8859-1"
    assert parse_config({}).data.encoding == "utf-8"
    with pytest.raises(ConfigError, match="'data.encoding' must be a text encoding"):
        parse_config({"data": {"encoding": "klingon"}})

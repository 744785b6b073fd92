"""At scale: Parquet codings, the Dask engine (same codings as the local engine, row for row)
and the partitioned analyses (equal to the pandas ones), on the sample study and on a second,
generated project of quite different texts (observation notes and long interviews)."""

from __future__ import annotations

import random
import shutil

import dask
import dask.dataframe as dd
import pandas as pd
import pyarrow.parquet as pq
import pytest
from distributed import Client, LocalCluster

import resilience_qda as rq
from resilience_qda.cli import main
from resilience_qda.coding.distributed import code_dask, partition_by_size
from resilience_qda.core.errors import CodingsError

WORDS = [
    "carers",
    "sheet",
    "laugh",
    "walk",
    "framework",
    "card",
    "swim",
    "tired",
    "team",
    "meeting",
    "resilient",
]


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes on loopback, as the engine starts them."""
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def notes_project(tmp_path_factory):
    """A second project: 30 generated documents, observation notes and interviews, coded
    by two coders who disagree now and then."""
    rng = random.Random(7)
    docs = []
    for i in range(30):
        if i % 3:
            lines = [
                f"Interviewer: What about the {rng.choice(WORDS)}?\n\nParticipant {i}: "
                + " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 80)))
                + ". I keep the framework sheet in my bag. We had a laugh."
                for _ in range(rng.randint(2, 6))
            ]
            docs.append(rq.Document(f"int-{i:02d}", "\n\n".join(lines), {"kind": "interview"}))
        else:
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(50, 300)))
            docs.append(rq.Document(f"note-{i:02d}", text + ". Everyone felt isolated.", {}))
    corpus = rq.Corpus(docs)
    a = rq.code(corpus)[["doc_id", "start", "end", "code"]].assign(coder="A", source="manual")
    b = a[a.index % 5 != 0].assign(coder="B")
    project = rq.Project(corpus, rq.read_codebook("cop-evaluation"), pd.concat([a, b]))
    return rq.write_project(project, tmp_path_factory.mktemp("notes") / "p")


def _raw_parts(folder) -> pd.DataFrame:
    table = pd.concat(
        [pq.read_table(f).to_pandas() for f in sorted(folder.glob("*.parquet"))],
        ignore_index=True,
    )
    return table.astype({c: object for c in ("doc_id", "code", "coder", "source", "evidence")})


def _raw_csv(path) -> pd.DataFrame:
    table = pd.read_csv(path, dtype={"evidence": object}, keep_default_na=False)
    table["score"] = pd.to_numeric(table["score"].replace("", None))
    return table.astype({c: object for c in ("doc_id", "code", "coder", "source", "evidence")})


# --------------------------------------------------------------------------- Parquet


def test_parquet_codings_round_trip_as_categoricals(sample_project, tmp_path):
    codings = sample_project.codings
    [written] = rq.write_codings(codings, tmp_path / "c.parquet")
    back = rq.read_codings(written, corpus=sample_project.corpus)
    assert isinstance(back["code"].dtype, pd.CategoricalDtype)
    pd.testing.assert_frame_equal(
        back.astype({c: object for c in ("doc_id", "code", "coder", "source")}),
        rq.validate_codings(codings),
        check_dtype=False,
    )
    only_b = rq.read_codings(written, coder="B")
    assert set(only_b["coder"]) == {"B"} and list(only_b["coder"].cat.categories) == ["B"]


def test_a_project_keeps_codings_as_parquet_parts_by_document_batch(notes_project, tmp_path):
    copy = shutil.copytree(notes_project, tmp_path / "p")
    before = rq.read_project(copy).codings
    written = rq.write_codings(before, copy, format="parquet", batch=7)
    assert not list((copy / "codings").glob("*.csv"))  # one place per coder
    assert sorted({p.parent.name for p in written}) == ["A.parquet", "B.parquet"]
    assert len([p for p in written if p.parent.name == "A.parquet"]) == 5  # 30 docs / 7
    after = rq.read_project(copy).codings
    pd.testing.assert_frame_equal(after[before.columns], before)
    rq.write_codings(before, copy)  # and back to CSV
    assert not list((copy / "codings").glob("*.parquet/*.parquet"))  # no part is left
    pd.testing.assert_frame_equal(rq.read_project(copy).codings, before)


def test_broken_parquet_is_refused_with_the_file_named(tmp_path):
    bad = tmp_path / "c.parquet"
    bad.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(CodingsError, match=r"c\.parquet: cannot be read as a Parquet"):
        rq.read_codings(bad)
    with pytest.raises(CodingsError, match="no such codings file"):
        rq.read_codings(tmp_path / "missing.parquet")
    with pytest.raises(CodingsError, match="engine='dask' reads Parquet"):
        rq.read_codings(tmp_path / "x.csv", engine="dask")


def test_code_writes_parquet_with_the_local_engine_too(sample_path, tmp_path):
    assert main(["code", str(sample_path), "-o", str(tmp_path / "c.csv"), "--no-progress"]) == 0
    out = tmp_path / "c.parquet"
    assert main(["code", str(sample_path), "-o", str(out), "--no-progress"]) == 0
    pd.testing.assert_frame_equal(_raw_parts(out), _raw_csv(tmp_path / "c.csv"))


# --------------------------------------------------------------------------- the Dask engine


def test_partitions_are_contiguous_and_about_the_size_asked():
    parts = partition_by_size([3, 3, 3, 3, 10, 1], 6)
    assert [list(p) for p in parts] == [[0, 1], [2, 3], [4], [5]]
    assert partition_by_size([], 6) == []
    with pytest.raises(ValueError, match="at least 1"):
        partition_by_size([1], 0)


def test_the_dask_engine_gives_the_local_codings_row_for_row(sample_path, cluster, tmp_path):
    local = tmp_path / "local.csv"
    assert main(["code", str(sample_path), "-o", str(local), "--no-progress"]) == 0
    address = cluster.scheduler.address
    out = tmp_path / "dask.parquet"
    argv = ["code", str(sample_path), "--engine", "dask", "--scheduler", address]
    assert main([*argv, "-o", str(out), "--no-progress", "--partition-mb", "0.05"]) == 0
    parts = sorted(out.glob("part-*.parquet"))
    assert len(parts) > 3  # partitioned by size
    pd.testing.assert_frame_equal(_raw_parts(out), _raw_csv(local))


def test_the_python_engine_uses_a_given_client(notes_project, cluster, tmp_path):
    project = rq.read_project(notes_project)
    local = rq.code(project.corpus, project.codebook)
    stats: list = []
    codings = code_dask(
        list(project.corpus), project.codebook, client=cluster, partition_chars=3000,
        progress=False, stats=stats,
    )  # fmt: skip
    pd.testing.assert_frame_equal(codings, local)
    assert len(stats) > 2 and len({s["worker"] for s in stats}) == 2
    lazy = rq.code(project.corpus, engine="dask", client=cluster, output=tmp_path / "o.parquet")
    assert isinstance(lazy, dd.DataFrame) and len(lazy) == len(local)


def test_engine_arguments_are_checked(sample_path, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("resilience_qda.cli.code.SCHEDULER_TIMEOUT", "1s")
    corpus = rq.Corpus([rq.Document("d", "We had a laugh.")])
    with pytest.raises(ValueError, match="engine must be one of local, dask"):
        rq.code(corpus, engine="spark")
    with pytest.raises(ValueError, match="go with engine='dask'"):
        rq.code(corpus, workers=2)
    assert main(["code", str(sample_path), "--engine", "dask", "-o", "x.csv"]) == 1
    assert "give -o FILE.parquet" in capsys.readouterr().err
    assert main(["code", str(sample_path), "--workers", "2"]) == 1
    assert "go with --engine dask" in capsys.readouterr().err
    argv = ["code", str(sample_path), "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"]
    assert main([*argv, "-o", str(tmp_path / "x.parquet")]) == 1
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err


# --------------------------------------------------------------------------- analysis


@pytest.mark.parametrize("which", ["sample", "notes"])
def test_partitioned_analyses_equal_the_pandas_ones(which, sample_project, notes_project):
    with dask.config.set(scheduler="sync"):  # the partitions' logic, without a cluster
        _compare(sample_project if which == "sample" else rq.read_project(notes_project))


def _compare(project):
    codings, corpus = project.codings, project.corpus
    parts = dd.from_pandas(codings.sample(frac=1, random_state=1), npartitions=4)
    got = rq.partitioned.frequencies(parts, corpus, rollup=True, codebook=project.codebook)
    want = rq.frequencies(codings, corpus, rollup=True, codebook=project.codebook)
    pd.testing.assert_frame_equal(got, want)
    docs = corpus.documents
    for count in ("references", "files", "cases"):
        got = rq.partitioned.matrix(parts, docs, by="kind", count=count, codes="framework")
        want = rq.matrix(codings, docs, by="kind", count=count, codes="framework")
        pd.testing.assert_frame_equal(got, want, check_dtype=False)
    got = rq.partitioned.cooccurrence(parts, codes="practice-elements")
    want = rq.cooccurrence(codings, codes="practice-elements")
    pd.testing.assert_frame_equal(got, want)
    coders = ["A", "B"]
    got = rq.partitioned.agreement(parts, corpus, coders, unit="sentence")
    want = rq.agreement(project, coders, unit="sentence")
    pd.testing.assert_frame_equal(got, want[got.columns], check_dtype=False)
    got = rq.partitioned.agreement(parts, corpus, coders, unit="character")
    want = rq.agreement(project, coders, unit="character")
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


# --------------------------------------------------------------------------- out of core


def test_the_streaming_suggester_learns_out_of_core_and_predicts_on_partitions(sample_project):
    from sklearn.metrics import average_precision_score

    from resilience_qda.coding.suggest import training_data
    from resilience_qda.coding.suggest_stream import fit_streaming, predict_partitions

    data = training_data(sample_project, coder="A")
    units = data.X(data.coded).assign(**data.Y(data.coded).astype("int64"))
    docs = sorted(units["doc_id"].unique())
    held_out = set(docs[::4])
    train, test = units[~units["doc_id"].isin(held_out)], units[units["doc_id"].isin(held_out)]
    codes = [c for c in data.codes if train[c].sum() >= 30 and test[c].sum() >= 5]
    assert codes  # the sample has frequent codes
    parts = dd.from_pandas(train[["text", *codes]], npartitions=5)
    with dask.config.set(scheduler="sync"):
        model = fit_streaming(parts, codes, random_state=0)  # one partition in memory at a time
        scored = predict_partitions(model, dd.from_pandas(test[["doc_id", "text"]], 3))
        scored = scored.compute()
    assert model.n_seen_ == 3 * len(train)  # three epochs over every partition
    local = model.predict_proba(test[["text"]])
    assert (scored[codes].to_numpy() == local).all()  # the same numbers on the partitions
    for j, code in enumerate(codes):  # better than chance on unseen documents
        assert average_precision_score(test[code], local[:, j]) > 1.5 * test[code].mean()
    with pytest.raises(ValueError, match="no column for code"):
        fit_streaming([train[["text"]]], ["nope"])


def test_parquet_codings_in_a_project_warn_when_the_text_moved(notes_project, tmp_path):
    copy = shutil.copytree(notes_project, tmp_path / "p")
    rq.write_codings(rq.read_project(copy).codings, copy, format="parquet")
    source = copy / "sources" / "int-01.txt"
    source.write_text("Inserted words. " + source.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.warns(rq.QDAWarning, match=r"A\.parquet: \d+ coding\(s\) no longer cover"):
        rq.read_project(copy)

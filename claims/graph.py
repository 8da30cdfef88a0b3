"""The claims graph as networkx: built from plain rows, and made fit for GraphML and GEXF."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

__all__ = ["node_id", "build_graph", "scalar_attributes"]

Row = Mapping[str, Any]


def node_id(kind: str, key: str) -> str:
    """A graph node id: ``claim:c-1``, ``source:s-1``, ``entity:deepseek``.

    >>> node_id("claim", "c-1")
    'claim:c-1'
    """
    return f"{kind}:{key}"


def build_graph(
    *,
    claims: Iterable[Row],
    entities: Iterable[Row],
    sources: Iterable[Row],
    evidence: Iterable[Row],
    relations: Iterable[Row],
) -> nx.MultiDiGraph[str]:
    """Claims, sources and entities as nodes (attribute ``type``); evidence, subjects, asserters and relations
    as edges (attribute ``relation``: about, evidence, asserts, contradicts, corroborates, ...).

    >>> g = build_graph(
    ...     claims=[{"id": "c1", "subject_id": "deepseek", "statement": "x", "status": "unverified"}],
    ...     entities=[{"id": "deepseek", "name": "DeepSeek", "kind": "org"}], sources=[], evidence=[],
    ...     relations=[])
    >>> sorted(g.nodes), list(g.edges(keys=True))
    (['claim:c1', 'entity:deepseek'], [('claim:c1', 'entity:deepseek', 'about')])
    """
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    names: dict[str, str] = {}
    for e in entities:
        graph.add_node(
            node_id("entity", e["id"]), type="entity", label=e["name"], kind=e.get("kind", "other")
        )
        names[e["name"]] = e["id"]
    for s in sources:
        graph.add_node(
            node_id("source", s["id"]),
            type="source",
            label=s.get("title") or s["id"],
            name=s.get("name"),
            url=s.get("url"),
            published=s.get("published"),
        )
    for c in claims:
        cid = node_id("claim", c["id"])
        graph.add_node(
            cid,
            type="claim",
            label=c["statement"],
            status=c.get("status"),
            metric=c.get("metric"),
            unit=c.get("unit"),
            value=c.get("value"),
            value_max=c.get("value_max"),
        )
        graph.add_edge(cid, node_id("entity", c["subject_id"]), key="about", relation="about")
    for ev in evidence:
        graph.add_edge(
            node_id("source", ev["source_id"]),
            node_id("claim", ev["claim_id"]),
            key=ev["id"],
            relation="evidence",
            stance=ev.get("stance"),
            asserted_by=ev.get("asserted_by"),
            quote=ev.get("quote"),
        )
        for party in ev.get("parties") or [ev.get("asserted_by") or ""]:
            if party in names:
                graph.add_edge(
                    node_id("entity", names[party]),
                    node_id("claim", ev["claim_id"]),
                    key=f"asserts:{ev['id']}",
                    relation="asserts",
                )
    for r in relations:
        graph.add_edge(
            node_id("claim", r["claim_a"]),
            node_id("claim", r["claim_b"]),
            key=r["kind"],
            relation=r["kind"],
            reason=r.get("reason"),
        )
    return graph


# What XML 1.0 cannot hold even escaped: C0 controls but tab, newline and return; lone surrogates; U+FFFE/F
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _scalars(data: Mapping[str, Any]) -> dict[str, Any]:
    """Attributes Gephi can read: None left out, lists joined with "; ", anything else not a number as text,
    and text without the characters XML cannot hold (each becomes U+FFFD), so no stored quote breaks a file.

    >>> _scalars({"a": None, "b": ["x", "y"], "c": 2.5, "d": True, "e": {"k": 1}, "f": "a\x01b\ufffe"})
    {'b': 'x; y', 'c': 2.5, 'd': True, 'e': "{'k': 1}", 'f': 'a\ufffdb\ufffd'}
    """
    out: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, list | tuple | set):
            value = "; ".join(str(v) for v in value)
        elif not isinstance(value, str | int | float | bool):
            value = str(value)
        out[key] = _NOT_XML.sub("\ufffd", value) if isinstance(value, str) else value
    return out


def scalar_attributes(graph: nx.MultiDiGraph[str]) -> nx.MultiDiGraph[str]:
    """A copy whose attributes are all strings, numbers or booleans (GraphML and GEXF need that)."""
    out: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    for n, data in graph.nodes(data=True):
        out.add_node(n, **_scalars(data))
    for u, v, k, data in graph.edges(keys=True, data=True):
        out.add_edge(u, v, key=k, **_scalars(data))
    return out

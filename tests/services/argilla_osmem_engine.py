"""Argilla's OpenSearch engine, minus Painless scripts, for osmem-server.

osmem (an in-memory OpenSearch-compatible server) runs no scripts; three
methods of argilla-server's engine use them. This subclass does those three
as get-modify-write. Loaded only by the test launcher (tests/services/argilla.py)
inside the server's own virtualenv; users run the official image with
Elasticsearch.
"""

import dataclasses

from argilla_server.search_engine.base import SearchEngine
from argilla_server.search_engine.commons import es_index_name_for_dataset
from argilla_server.search_engine.opensearch import OpenSearchEngine

ENGINE_NAME = "osmem"


@SearchEngine.register(engine_name=ENGINE_NAME)
@dataclasses.dataclass
class OsmemEngine(OpenSearchEngine):
    async def _source(self, index_name: str, record_id: str) -> dict:
        document = await self.client.get(index=index_name, id=record_id)
        return document["_source"]

    async def _write(self, index_name: str, record_id: str, fields: dict) -> None:
        await self._update_document_request(index_name, id=record_id, body={"doc": fields})

    async def _replace_response(self, response, keep_new: bool) -> None:
        """Drop the response with this id from the record's document; add it back if `keep_new`."""
        record = response.record
        index_name = es_index_name_for_dataset(record.dataset)
        source = await self._source(index_name, str(record.id))
        mapped = self._map_record_response_to_es(response)
        responses = [r for r in (source.get("responses") or []) if r.get("id") != mapped.get("id")]
        await self._write(
            index_name, str(record.id), {"responses": responses + ([mapped] if keep_new else [])}
        )

    async def update_record_response(self, response) -> None:
        await self._replace_response(response, keep_new=True)

    async def delete_record_response(self, response) -> None:
        await self._replace_response(response, keep_new=False)

    async def delete_record_suggestion(self, suggestion) -> None:
        index_name = es_index_name_for_dataset(suggestion.record.dataset)
        source = await self._source(index_name, str(suggestion.record_id))
        suggestions = dict(source.get("suggestions") or {})
        suggestions.pop(suggestion.question.name, None)
        await self._write(index_name, str(suggestion.record_id), {"suggestions": suggestions})

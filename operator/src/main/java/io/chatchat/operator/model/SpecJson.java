package io.chatchat.operator.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;

/** A spec as canonical JSON (sorted keys): how status.lastStableSpec holds it. */
public final class SpecJson {
  public static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          // A stable spec recorded by an older operator may hold fields this one dropped.
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();

  private SpecJson() {}

  public static String toJson(ChatchatClusterSpec spec) {
    try {
      return MAPPER.writeValueAsString(spec);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static ChatchatClusterSpec fromJson(String json) {
    try {
      return MAPPER.readValue(json, ChatchatClusterSpec.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("status.lastStableSpec is not a spec: " + e, e);
    }
  }
}

package io.chatchat.operator.reconciler;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;

/**
 * Makes a cached Kubernetes object smaller without changing what it says: every fabric8 model
 * object carries its own empty {@code additionalProperties} map, which becomes the one shared empty
 * map; its other maps (labels, annotations, selectors, quantities) become {@link FrozenMap}s and
 * its lists drop their spare capacity; and the strings repeated across hundreds of clusters'
 * objects (labels, images, commands, environment, field names of the scripts) become one instance
 * each ({@link String#intern}). What is unique per object (uids, resource versions, timestamps) is
 * left alone. Informer caches never change the objects they hold, so the maps that cannot change
 * are never written to.
 */
final class CompactObjects {
  private static final String MODEL_PACKAGE = "io.fabric8.kubernetes.api.model";
  private static final String IMMUTABLE = "java.util.ImmutableCollections";

  /** The instance fields of a model class and its model superclasses, made accessible. */
  private static final ClassValue<List<Field>> FIELDS =
      new ClassValue<>() {
        @Override
        protected List<Field> computeValue(Class<?> type) {
          List<Field> fields = new ArrayList<>();
          for (Class<?> c = type; c != null && isModel(c); c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
              if (!Modifier.isStatic(f.getModifiers()) && !f.getType().isPrimitive()) {
                f.setAccessible(true);
                fields.add(f);
              }
            }
          }
          return List.copyOf(fields);
        }
      };

  private CompactObjects() {}

  static void compact(Object model) {
    walk(model, 0);
  }

  static boolean isModel(Class<?> c) {
    return c.getName().startsWith(MODEL_PACKAGE);
  }

  private static void walk(Object o, int depth) {
    if (o == null || depth > 40 || !isModel(o.getClass())) {
      return;
    }
    try {
      for (Field f : FIELDS.get(o.getClass())) {
        Object v = f.get(o);
        if (v instanceof String s) {
          if (repeats(f.getName())) {
            f.set(o, s.intern());
          }
        } else if (v instanceof Map<?, ?> m) {
          f.set(o, freeze(m, depth));
        } else if (v instanceof List<?> l) {
          walkList(l, depth);
        } else if (v != null) {
          walk(v, depth + 1);
        }
      }
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The map's entries, their strings interned and their nested maps frozen too, as one {@link
   * FrozenMap}; the one shared empty map when it has none. Maps that cannot change already are kept
   * (the operator's field sets, compacted by {@link TrimmedStore}).
   */
  private static Map<?, ?> freeze(Map<?, ?> m, int depth) {
    if (m.isEmpty()) {
      return Collections.emptyMap();
    }
    if (m instanceof FrozenMap<?, ?> || m.getClass().getName().startsWith(IMMUTABLE)) {
      return m;
    }
    Object[] keysAndValues = new Object[m.size() * 2];
    int i = 0;
    for (Map.Entry<?, ?> e : m.entrySet()) {
      keysAndValues[i++] = e.getKey() instanceof String k ? k.intern() : e.getKey();
      keysAndValues[i++] = compactValue(e.getValue(), depth + 1);
    }
    return FrozenMap.ofKeysAndValues(keysAndValues);
  }

  private static Object compactValue(Object v, int depth) {
    if (v instanceof String s) {
      return s.intern();
    }
    if (v instanceof Map<?, ?> nested) {
      return freeze(nested, depth);
    }
    if (v instanceof List<?> l) {
      walkList(l, depth);
    } else {
      walk(v, depth);
    }
    return v;
  }

  @SuppressWarnings("unchecked")
  private static void walkList(List<?> l, int depth) {
    if (l instanceof ArrayList<?> a) {
      a.trimToSize();
    }
    for (ListIterator<Object> it = ((List<Object>) l).listIterator(); it.hasNext(); ) {
      Object v = it.next();
      if (v instanceof String s) {
        try {
          it.set(s.intern());
        } catch (UnsupportedOperationException immutable) {
          return;
        }
      } else {
        walk(v, depth + 1);
      }
    }
  }

  /** Fields whose values repeat across objects; not the identities and times of one object. */
  private static boolean repeats(String field) {
    return !(field.equals("uid")
        || field.equals("resourceVersion")
        || field.equals("time")
        || field.endsWith("Time")
        || field.endsWith("Timestamp")
        || field.endsWith("At"));
  }
}

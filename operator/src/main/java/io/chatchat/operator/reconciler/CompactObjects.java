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
 * map; and the strings repeated across hundreds of clusters' objects (labels, images, commands,
 * environment, field names of the scripts) become one instance each ({@link String#intern}). What
 * is unique per object (uids, resource versions, timestamps) is left alone. Informer caches never
 * change the objects they hold, so the shared empty map is never written to.
 */
final class CompactObjects {
  private static final String MODEL_PACKAGE = "io.fabric8.kubernetes.api.model";

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
          if (m.isEmpty() && "additionalProperties".equals(f.getName())) {
            f.set(o, Collections.emptyMap());
          } else {
            walkMap(m, depth);
          }
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

  @SuppressWarnings("unchecked")
  private static void walkMap(Map<?, ?> m, int depth) {
    for (Map.Entry<?, ?> e : m.entrySet()) {
      Object v = e.getValue();
      if (v instanceof String s) {
        try {
          ((Map.Entry<Object, Object>) e).setValue(s.intern());
        } catch (UnsupportedOperationException immutable) {
          return;
        }
      } else if (v instanceof Map<?, ?> nested) {
        walkMap(nested, depth + 1);
      } else if (v instanceof List<?> l) {
        walkList(l, depth + 1);
      } else {
        walk(v, depth + 1);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static void walkList(List<?> l, int depth) {
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

-- Argo CD health check for chatchat.io/ChatchatCluster: maps the operator's conditions to
-- Healthy / Progressing / Suspended (a paused rollout) / Degraded. Install it under
-- resource.customizations.health.chatchat.io_ChatchatCluster in argocd-cm (see argocd-cm.yaml).
local hs = {}
if obj.status == nil or obj.status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for chatchat-operator to report status"
  return hs
end
if obj.metadata.generation ~= nil and obj.status.observedGeneration ~= nil
    and obj.status.observedGeneration < obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for chatchat-operator to observe generation " .. obj.metadata.generation
  return hs
end
local conditions = {}
for _, c in ipairs(obj.status.conditions) do
  conditions[c.type] = c
end
local function message(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  return fallback
end
local valid = conditions["ConfigValid"]
if valid ~= nil and valid.status == "False" then
  hs.status = "Degraded"
  hs.message = message(valid, "The spec is invalid")
  return hs
end
local degraded = conditions["Degraded"]
if degraded ~= nil and degraded.status == "True" then
  hs.status = "Degraded"
  hs.message = message(degraded, "Degraded")
  return hs
end
local progressing = conditions["Progressing"]
if progressing ~= nil and progressing.reason == "RolloutPaused" then
  hs.status = "Suspended"
  hs.message = message(progressing, "Rollout paused")
  return hs
end
local ready = conditions["Ready"]
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = message(ready, "Ready")
  return hs
end
if ready ~= nil and ready.reason == "ReconcileError" then
  hs.status = "Degraded"
  hs.message = message(ready, "The operator cannot reconcile")
  return hs
end
hs.status = "Progressing"
hs.message = message(conditions["Progressing"], message(ready, "Progressing"))
return hs

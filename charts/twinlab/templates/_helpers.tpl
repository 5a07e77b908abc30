{{/* Names and labels shared by every object of a release. */}}
{{- define "twinlab.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "twinlab.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: shard
{{- end -}}

{{- define "twinlab.labels" -}}
{{ include "twinlab.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "twinlab.tokenSecret" -}}
{{- if .Values.token.value -}}{{ include "twinlab.fullname" . }}-token{{- else -}}{{ .Values.token.existingSecret }}{{- end -}}
{{- end -}}

{{- define "twinlab.tokenKey" -}}
{{- if .Values.token.value -}}tokendata{{- else -}}{{ .Values.token.existingSecretKey }}{{- end -}}
{{- end -}}

{{/*
The shard plan: nodes per shard, n = ceil(nodes / shards), checked against what one shard process
can hold. Every template that depends on the plan includes this, so no manifest renders for a
plan that cannot run. JSON Schema cannot compare two values, hence these checks here.
*/}}
{{- define "twinlab.nodesPerShard" -}}
{{- $nodes := int .Values.fleet.nodes -}}
{{- $shards := int .Values.fleet.shards -}}
{{- if gt $shards $nodes -}}
{{- fail (printf "fleet.shards (%d) is larger than fleet.nodes (%d): every shard needs at least one node" $shards $nodes) -}}
{{- end -}}
{{- $per := div (add $nodes (sub $shards 1)) $shards -}}
{{- $files := sub (int .Values.shardLimits.openFiles) (int .Values.shardLimits.reservedFiles) -}}
{{- if le $files 0 -}}
{{- fail (printf "shardLimits.reservedFiles (%d) leaves no open files of shardLimits.openFiles (%d) for nodes" (int .Values.shardLimits.reservedFiles) (int .Values.shardLimits.openFiles)) -}}
{{- end -}}
{{- if gt $per $files -}}
{{- fail (printf "%d nodes per shard (fleet.nodes %d / fleet.shards %d) need %d sockets, over shardLimits.openFiles %d minus %d reserved: use fleet.shards >= %d" $per $nodes $shards $per (int .Values.shardLimits.openFiles) (int .Values.shardLimits.reservedFiles) (div (add $nodes (sub $files 1)) $files)) -}}
{{- end -}}
{{- $ports := int .Values.shardLimits.sourcePorts -}}
{{- if gt $per $ports -}}
{{- fail (printf "%d nodes per shard (fleet.nodes %d / fleet.shards %d) need %d source ports from one pod IP toward one cloudcore address, over shardLimits.sourcePorts %d: use fleet.shards >= %d" $per $nodes $shards $per $ports (div (add $nodes (sub $ports 1)) $ports)) -}}
{{- end -}}
{{- $limit := int .Values.cloud.nodeLimit -}}
{{- if and (gt $limit 0) (gt $nodes $limit) -}}
{{- fail (printf "fleet.nodes (%d) is over cloudcore's nodeLimit (cloud.nodeLimit %d): cloudcore would refuse %d nodes" $nodes $limit (sub $nodes $limit)) -}}
{{- end -}}
{{- $per -}}
{{- end -}}

{{/* Requests and limits: the values' own when given, else computed from the plan (values.yaml says from what). */}}
{{- define "twinlab.resources" -}}
{{- if or .Values.resources.requests .Values.resources.limits -}}
{{- with .Values.resources.requests }}
requests:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.resources.limits }}
limits:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- else -}}
{{- $per := int (include "twinlab.nodesPerShard" .) -}}
{{- $a := .Values.resources.auto -}}
{{- $kib := ternary (int $a.memoryKiBPerNodePerNodeCerts) (int $a.memoryKiBPerNode) (eq .Values.fleet.certs "per-node") -}}
{{- $mem := add (int $a.fixedMemoryMiB) (div (add (mul $per $kib) 1023) 1024) -}}
{{- $cpu := max (int $a.minCpuMilli) (div (add (mul $per (int $a.cpuMilliPer1000Nodes)) 999) 1000) }}
requests:
  cpu: {{ printf "%dm" $cpu }}
  memory: {{ printf "%dMi" $mem }}
limits:
  memory: {{ printf "%dMi" (div (mul $mem 3) 2) }}
{{- end -}}
{{- end -}}

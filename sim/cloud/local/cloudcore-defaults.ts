/**
 * The scalar fields of cloudcore v1.23.1's config that `--cloudcore-set` may change, with
 * cloudcore's own defaults. Read from github.com/kubeedge/api@v1.23.0:
 * apis/componentconfig/cloudcore/v1alpha1/default.go (NewDefaultCloudCoreConfig,
 * getDefaultEdgeControllerLoad, getDefaultEdgeControllerBuffer), apis/common/constants/default.go,
 * and the json tags in v1alpha1/types.go (three load keys are capitalised there, and
 * deviceController's states buffer is `updateDeviceStatus`). cloudcore loads its file over these
 * defaults, so a field the file leaves out runs with the value here (before AdjustCloudCoreConfig).
 * Addresses, ports, file and socket paths are not here on purpose: the local provider owns them.
 */

export type KnobSpec = { kind: 'int'; default: number; min: number; max: number } | { kind: 'bool'; default: boolean };

const INT32_MAX = 2_147_483_647;
/** Go's DefaultNodeLimit: the EdgeController defaults below are sized from it, not from the file's nodeLimit. */
export const GO_DEFAULT_NODE_LIMIT = 500;

const int = (def: number, min = 0, max = INT32_MAX): KnobSpec => ({ kind: 'int', default: def, min, max });
const bool = (def: boolean): KnobSpec => ({ kind: 'bool', default: def });
/** A worker count of 0 starts no workers and the messages they serve are never answered. */
const workers = (def: number): KnobSpec => int(def, 1);

const N = GO_DEFAULT_NODE_LIMIT;

export const CLOUDCORE_KNOBS: Readonly<Record<string, KnobSpec>> = {
  'commonConfig.monitorServer.enableProfiling': bool(false),
  // 0 would leave client-go on its own default (5 qps), which is not what a user setting 0 means.
  'kubeAPIConfig.qps': int(5 * N, 1),
  'kubeAPIConfig.burst': int(10 * N, 1),
  // 10 × nodeLimit must stay an int32 (AdjustCloudCoreConfig computes it).
  'modules.cloudHub.nodeLimit': int(N, 1, 100_000_000),
  'modules.cloudHub.keepaliveInterval': int(30, 1),
  'modules.cloudHub.writeTimeout': int(30, 1),
  'modules.cloudHub.edgeCertSigningDuration': int(365, 1),
  'modules.cloudHub.tokenRefreshDuration': int(12, 1),
  'modules.edgeController.nodeUpdateFrequency': int(10, 1),
  'modules.edgeController.buffer.updatePodStatus': int(1024),
  'modules.edgeController.buffer.processEvent': int(1024),
  'modules.edgeController.buffer.updateNodeStatus': int(1024),
  'modules.edgeController.buffer.queryConfigMap': int(1024),
  'modules.edgeController.buffer.querySecret': int(1024),
  'modules.edgeController.buffer.podEvent': int(1),
  'modules.edgeController.buffer.configMapEvent': int(1),
  'modules.edgeController.buffer.secretEvent': int(1),
  'modules.edgeController.buffer.rulesEvent': int(1),
  'modules.edgeController.buffer.ruleEndpointsEvent': int(1),
  'modules.edgeController.buffer.queryPersistentVolume': int(1024),
  'modules.edgeController.buffer.queryPersistentVolumeClaim': int(1024),
  'modules.edgeController.buffer.queryVolumeAttachment': int(1024),
  'modules.edgeController.buffer.createNode': int(1024),
  'modules.edgeController.buffer.patchNode': int(1024 + N / 2),
  'modules.edgeController.buffer.queryNode': int(1024 + N),
  'modules.edgeController.buffer.updateNode': int(1024),
  'modules.edgeController.buffer.patchPod': int(1024),
  'modules.edgeController.buffer.deletePod': int(1024),
  'modules.edgeController.buffer.createLease': int(1024 + N),
  'modules.edgeController.buffer.queryLease': int(1024),
  'modules.edgeController.buffer.serviceAccountToken': int(1024),
  'modules.edgeController.buffer.createPod': int(1024),
  'modules.edgeController.buffer.certificateSigningRequest': int(1024),
  'modules.edgeController.load.updatePodStatusWorkers': workers(1),
  'modules.edgeController.load.updateNodeStatusWorkers': workers(1),
  'modules.edgeController.load.queryConfigMapWorkers': workers(100),
  'modules.edgeController.load.processEventWorkers': workers(4),
  'modules.edgeController.load.querySecretWorkers': workers(100),
  'modules.edgeController.load.queryPersistentVolumeWorkers': workers(4),
  'modules.edgeController.load.queryPersistentVolumeClaimWorkers': workers(4),
  'modules.edgeController.load.queryVolumeAttachmentWorkers': workers(4),
  'modules.edgeController.load.queryNodeWorkers': workers(N),
  'modules.edgeController.load.createNodeWorkers': workers(100),
  'modules.edgeController.load.patchNodeWorkers': workers(100 + N / 50),
  'modules.edgeController.load.updateNodeWorkers': workers(4),
  'modules.edgeController.load.patchPodWorkers': workers(100),
  'modules.edgeController.load.deletePodWorkers': workers(100),
  'modules.edgeController.load.createLeaseWorkers': workers(N),
  'modules.edgeController.load.queryLeaseWorkers': workers(100),
  'modules.edgeController.load.UpdateRuleStatusWorkers': workers(4),
  'modules.edgeController.load.ServiceAccountTokenWorkers': workers(100),
  'modules.edgeController.load.CreatePodWorks': workers(4),
  'modules.edgeController.load.certificateSigningRequestWorkers': workers(4),
  'modules.deviceController.enable': bool(true),
  'modules.deviceController.buffer.updateDeviceTwins': int(1024),
  'modules.deviceController.buffer.updateDeviceStatus': int(1024),
  'modules.deviceController.buffer.deviceEvent': int(1),
  'modules.deviceController.buffer.deviceModelEvent': int(1),
  // Not set by NewDefaultCloudCoreConfig: Go's zero value, an unbuffered channel.
  'modules.deviceController.buffer.deviceStatusEvent': int(0),
  'modules.deviceController.load.updateDeviceStatusWorkers': workers(1),
  'modules.taskManager.enable': bool(false),
  'modules.taskManager.buffer.taskStatus': int(1024),
  'modules.taskManager.buffer.taskEvent': int(1),
  'modules.taskManager.load.taskWorkers': workers(1),
  'modules.syncController.enable': bool(true),
  'modules.dynamicController.enable': bool(false),
};

/**
 * Kernel object-manager, ALPC, token and handle-table types beyond the base process/thread layouts,
 * per build, merged into the LayoutSets of windows-kernel.ts. Kept apart so the types the object and
 * security analyses need can grow without touching the process/thread tables.
 *
 * Facts (names, offsets, sizes, bit positions) come from the public-symbol dumps in the GitHub repository
 * ntdiff/headers:
 *   - Windows 10 1607: Win10_1607_RS1/x64/System32/ntoskrnl.exe/ALL_SORTED.h and Standalone/_ALPC_PORT.h,
 *     Standalone/_KALPC_MESSAGE.h (build 10.0.14393)
 *   - Windows 11 22H2: Win11_2209_22H2/x64/System32/ntoskrnl.exe/ALL_SORTED.h and Standalone/_ALPC_PORT.h,
 *     Standalone/_ALPC_COMMUNICATION_INFO.h (build 10.0.22621)
 * Only a subset of fields is listed; every listed field has the offset/type the dump shows. Anonymous unions
 * are flattened as dt shows them; named unions (`u1`, `s1`) get a small helper type named after their owner
 * (the symbols call them <unnamed-tag>).
 *
 * Drift between the two builds, all visible below:
 *   - _OBJECT_DIRECTORY: 1607 has SessionId at 0x140 and NamespaceEntry at 0x148; 22H2 moved SessionId to
 *     0x154, NamespaceEntry to 0x140 and added SessionObject at 0x148.
 *   - _OBJECT_SYMBOLIC_LINK: 22H2 overlays LinkTarget with a Callback/CallbackContext pair and adds IntegrityLevel.
 *   - _KALPC_MESSAGE: 22H2 adds WakeReference2 at 0xd8, so ExtensionBuffer, ExtensionBufferSize and PortMessage
 *     move by 8 (PortMessage 0xe8 -> 0xf0; size 0x110 -> 0x118); u1.s1 lost ReserveReference.
 *   - _ALPC_COMMUNICATION_INFO: the handle table grew (0x18 -> 0x20), CloseMessage 0x40 -> 0x48.
 *   - _KMUTANT: 1607 has a plain UCHAR Abandoned at 0x30; 22H2 has MutantFlags with Abandoned as bit 0.
 * _KQUEUE and _KSEMAPHORE are listed for 1607 only (not checked in the 22H2 dump).
 */
import type { TypeLayout } from "./layout-set";

/** Types whose layout is the same in both builds (checked in both dumps). */
const COMMON: { readonly [typeName: string]: TypeLayout } = {
  // 1607 and 22H2 ALL_SORTED.h
  _OBJECT_DIRECTORY_ENTRY: {
    size: 0x18,
    fields: {
      ChainLink: [0x0, "_OBJECT_DIRECTORY_ENTRY*"],
      Object: [0x8, "void*"],
      HashValue: [0x10, "ULONG"],
    },
  },
  // 1607 and 22H2 ALL_SORTED.h
  _OBJECT_TYPE: {
    size: 0xd8,
    fields: {
      TypeList: [0x0, "_LIST_ENTRY"],
      Name: [0x10, "_UNICODE_STRING"],
      DefaultObject: [0x20, "void*"],
      Index: [0x28, "UCHAR"],
      TotalNumberOfObjects: [0x2c, "ULONG"],
      TotalNumberOfHandles: [0x30, "ULONG"],
      HighWaterNumberOfObjects: [0x34, "ULONG"],
      HighWaterNumberOfHandles: [0x38, "ULONG"],
      TypeLock: [0xb8, "_EX_PUSH_LOCK"],
      Key: [0xc0, "ULONG"],
      CallbackList: [0xc8, "_LIST_ENTRY"],
    },
  },
  // 1607 and 22H2 ALL_SORTED.h: the optional headers in front of _OBJECT_HEADER (InfoMask bits 0x01 .. 0x80)
  _OBJECT_HEADER_CREATOR_INFO: {
    size: 0x20,
    fields: {
      TypeList: [0x0, "_LIST_ENTRY"],
      CreatorUniqueProcess: [0x10, "void*"],
      CreatorBackTraceIndex: [0x18, "USHORT"],
      Reserved1: [0x1a, "USHORT"],
      Reserved2: [0x1c, "ULONG"],
    },
  },
  _OBJECT_HEADER_HANDLE_INFO: {
    size: 0x10,
    fields: {
      HandleCountDataBase: [0x0, "void*"],
    },
  },
  _OBJECT_HEADER_QUOTA_INFO: {
    size: 0x20,
    fields: {
      PagedPoolCharge: [0x0, "ULONG"],
      NonPagedPoolCharge: [0x4, "ULONG"],
      SecurityDescriptorCharge: [0x8, "ULONG"],
      Reserved1: [0xc, "ULONG"],
      SecurityDescriptorQuotaBlock: [0x10, "void*"],
      Reserved2: [0x18, "ULONGLONG"],
    },
  },
  _OBJECT_HEADER_PROCESS_INFO: {
    size: 0x10,
    fields: {
      ExclusiveProcess: [0x0, "_EPROCESS*"],
      Reserved: [0x8, "ULONGLONG"],
    },
  },
  _OBJECT_HEADER_AUDIT_INFO: {
    size: 0x10,
    fields: {
      SecurityDescriptor: [0x0, "void*"],
      Reserved: [0x8, "ULONGLONG"],
    },
  },
  _OBJECT_HEADER_EXTENDED_INFO: {
    size: 0x10,
    fields: {
      Footer: [0x0, "void*"],
      Reserved: [0x8, "ULONGLONG"],
    },
  },
  _OBJECT_HEADER_PADDING_INFO: {
    size: 0x4,
    fields: {
      PaddingAmount: [0x0, "ULONG"],
    },
  },
  // 1607 and 22H2 ALL_SORTED.h (a union; the anonymous members are flattened)
  _HANDLE_TABLE_ENTRY: {
    size: 0x10,
    fields: {
      VolatileLowValue: [0x0, "LONGLONG"],
      LowValue: [0x0, "LONGLONG"],
      InfoTable: [0x0, "void*"],
      HighValue: [0x8, "LONGLONG"],
      NextFreeHandleEntry: [0x8, "_HANDLE_TABLE_ENTRY*"],
      RefCountField: [0x0, "LONGLONG"],
      Unlocked: [0x0, "ULONGLONG", 0, 1],
      RefCnt: [0x0, "ULONGLONG", 1, 16],
      Attributes: [0x0, "ULONGLONG", 17, 3],
      ObjectPointerBits: [0x0, "ULONGLONG", 20, 44],
      GrantedAccessBits: [0x8, "ULONG", 0, 25],
      NoRightsUpgrade: [0x8, "ULONG", 25, 1],
      Spare1: [0x8, "ULONG", 26, 6],
      Spare2: [0xc, "ULONG"],
    },
  },
  // 1607 and 22H2 ALL_SORTED.h
  _SID_IDENTIFIER_AUTHORITY: {
    size: 0x6,
    fields: {
      Value: [0x0, "UCHAR[6]"],
    },
  },
  _SID: {
    size: 0xc,
    fields: {
      Revision: [0x0, "UCHAR"],
      SubAuthorityCount: [0x1, "UCHAR"],
      IdentifierAuthority: [0x2, "_SID_IDENTIFIER_AUTHORITY"],
      SubAuthority: [0x8, "ULONG[1]"],
    },
  },
  _SID_AND_ATTRIBUTES: {
    size: 0x10,
    fields: {
      Sid: [0x0, "void*"],
      Attributes: [0x8, "ULONG"],
    },
  },
  // Standalone/_KALPC_MESSAGE.h (both builds): _PORT_MESSAGE, anonymous unions flattened; u1/u2 left out
  _PORT_MESSAGE: {
    size: 0x28,
    fields: {
      ClientId: [0x8, "_CLIENT_ID"],
      DoNotUseThisField: [0x8, "double"],
      MessageId: [0x18, "ULONG"],
      ClientViewSize: [0x20, "ULONGLONG"],
      CallbackId: [0x20, "ULONG"],
    },
  },
  // Standalone/_ALPC_PORT.h (identical in both builds, apart from CompletionPort's pointee type)
  _ALPC_PORT_STATE: { // <unnamed-tag> of _ALPC_PORT.u1.s1
    size: 0x4,
    fields: {
      Initialized: [0x0, "ULONG", 0, 1],
      Type: [0x0, "ULONG", 1, 2],
      ConnectionPending: [0x0, "ULONG", 3, 1],
      ConnectionRefused: [0x0, "ULONG", 4, 1],
      Disconnected: [0x0, "ULONG", 5, 1],
      Closed: [0x0, "ULONG", 6, 1],
      NoFlushOnClose: [0x0, "ULONG", 7, 1],
      ReturnExtendedInfo: [0x0, "ULONG", 8, 1],
      Waitable: [0x0, "ULONG", 9, 1],
      DynamicSecurity: [0x0, "ULONG", 10, 1],
      Wow64CompletionList: [0x0, "ULONG", 11, 1],
      Lpc: [0x0, "ULONG", 12, 1],
      LpcToLpc: [0x0, "ULONG", 13, 1],
      HasCompletionList: [0x0, "ULONG", 14, 1],
      HadCompletionList: [0x0, "ULONG", 15, 1],
      EnableCompletionList: [0x0, "ULONG", 16, 1],
    },
  },
  _ALPC_PORT_U1: { // <unnamed-tag> of _ALPC_PORT.u1
    size: 0x4,
    fields: {
      s1: [0x0, "_ALPC_PORT_STATE"],
      State: [0x0, "ULONG"],
    },
  },
  _ALPC_PORT: {
    size: 0x1d8,
    fields: {
      PortListEntry: [0x0, "_LIST_ENTRY"],
      CommunicationInfo: [0x10, "_ALPC_COMMUNICATION_INFO*"],
      OwnerProcess: [0x18, "_EPROCESS*"],
      CompletionPort: [0x20, "void*"],
      CompletionKey: [0x28, "void*"],
      CompletionPacketLookaside: [0x30, "void*"],
      PortContext: [0x38, "void*"],
      IncomingQueueLock: [0x88, "_EX_PUSH_LOCK"],
      MainQueue: [0x90, "_LIST_ENTRY"],
      LargeMessageQueue: [0xa0, "_LIST_ENTRY"],
      PendingQueueLock: [0xb0, "_EX_PUSH_LOCK"],
      PendingQueue: [0xb8, "_LIST_ENTRY"],
      DirectQueueLock: [0xc8, "_EX_PUSH_LOCK"],
      DirectQueue: [0xd0, "_LIST_ENTRY"],
      WaitQueueLock: [0xe0, "_EX_PUSH_LOCK"],
      WaitQueue: [0xe8, "_LIST_ENTRY"],
      Semaphore: [0xf8, "void*"],
      DummyEvent: [0xf8, "_KEVENT*"],
      ResourceListLock: [0x148, "_EX_PUSH_LOCK"],
      ResourceListHead: [0x150, "_LIST_ENTRY"],
      PortObjectLock: [0x160, "_EX_PUSH_LOCK"],
      CompletionList: [0x168, "void*"],
      CallbackObject: [0x170, "void*"],
      CallbackContext: [0x178, "void*"],
      CanceledQueue: [0x180, "_LIST_ENTRY"],
      SequenceNo: [0x190, "LONG"],
      ReferenceNo: [0x194, "LONG"],
      ReferenceNoWait: [0x198, "void*"],
      u1: [0x1a0, "_ALPC_PORT_U1"],
      TargetQueuePort: [0x1a8, "_ALPC_PORT*"],
      TargetSequencePort: [0x1b0, "_ALPC_PORT*"],
      CachedMessage: [0x1b8, "_KALPC_MESSAGE*"],
      MainQueueLength: [0x1c0, "ULONG"],
      LargeMessageQueueLength: [0x1c4, "ULONG"],
      PendingQueueLength: [0x1c8, "ULONG"],
      DirectQueueLength: [0x1cc, "ULONG"],
      CanceledQueueLength: [0x1d0, "ULONG"],
      WaitQueueLength: [0x1d4, "ULONG"],
    },
  },
  _KALPC_MESSAGE_U1: { // <unnamed-tag> of _KALPC_MESSAGE.u1 (s1 is build-specific, see below)
    size: 0x4,
    fields: {
      s1: [0x0, "_KALPC_MESSAGE_STATE"],
      State: [0x0, "ULONG"],
    },
  },
};

export const OBJECT_TYPES_1607_X64: { readonly [typeName: string]: TypeLayout } = {
  ...COMMON,
  // ALL_SORTED.h
  _OBJECT_DIRECTORY: {
    size: 0x158,
    fields: {
      HashBuckets: [0x0, "_OBJECT_DIRECTORY_ENTRY*[37]"],
      Lock: [0x128, "_EX_PUSH_LOCK"],
      DeviceMap: [0x130, "void*"],
      ShadowDirectory: [0x138, "_OBJECT_DIRECTORY*"],
      SessionId: [0x140, "ULONG"],
      NamespaceEntry: [0x148, "void*"],
      Flags: [0x150, "ULONG"],
    },
  },
  // ALL_SORTED.h
  _OBJECT_SYMBOLIC_LINK: {
    size: 0x28,
    fields: {
      CreationTime: [0x0, "_LARGE_INTEGER"],
      LinkTarget: [0x8, "_UNICODE_STRING"],
      DosDeviceDriveIndex: [0x18, "ULONG"],
      Flags: [0x1c, "ULONG"],
      AccessMask: [0x20, "ULONG"],
    },
  },
  // ALL_SORTED.h
  _ALPC_COMMUNICATION_INFO: {
    size: 0x48,
    fields: {
      ConnectionPort: [0x0, "_ALPC_PORT*"],
      ServerCommunicationPort: [0x8, "_ALPC_PORT*"],
      ClientCommunicationPort: [0x10, "_ALPC_PORT*"],
      CommunicationList: [0x18, "_LIST_ENTRY"],
      CloseMessage: [0x40, "_KALPC_MESSAGE*"],
    },
  },
  // Standalone/_KALPC_MESSAGE.h
  _KALPC_MESSAGE_STATE: { // <unnamed-tag> of _KALPC_MESSAGE.u1.s1
    size: 0x4,
    fields: {
      QueueType: [0x0, "ULONG", 0, 3],
      QueuePortType: [0x0, "ULONG", 3, 4],
      Canceled: [0x0, "ULONG", 7, 1],
      Ready: [0x0, "ULONG", 8, 1],
      ReleaseMessage: [0x0, "ULONG", 9, 1],
      SharedQuota: [0x0, "ULONG", 10, 1],
      ReplyWaitReply: [0x0, "ULONG", 11, 1],
      OwnerPortReference: [0x0, "ULONG", 12, 1],
      ReserveReference: [0x0, "ULONG", 13, 1],
      ReceiverReference: [0x0, "ULONG", 14, 1],
      ViewAttributeRetrieved: [0x0, "ULONG", 15, 1],
      InDispatch: [0x0, "ULONG", 16, 1],
    },
  },
  // Standalone/_KALPC_MESSAGE.h
  _KALPC_MESSAGE: {
    size: 0x110,
    fields: {
      Entry: [0x0, "_LIST_ENTRY"],
      PortQueue: [0x10, "_ALPC_PORT*"],
      OwnerPort: [0x18, "_ALPC_PORT*"],
      WaitingThread: [0x20, "_ETHREAD*"],
      u1: [0x28, "_KALPC_MESSAGE_U1"],
      SequenceNo: [0x2c, "LONG"],
      QuotaProcess: [0x30, "_EPROCESS*"],
      QuotaBlock: [0x30, "void*"],
      CancelSequencePort: [0x38, "_ALPC_PORT*"],
      CancelQueuePort: [0x40, "_ALPC_PORT*"],
      CancelSequenceNo: [0x48, "LONG"],
      CancelListEntry: [0x50, "_LIST_ENTRY"],
      Reserve: [0x60, "void*"],
      DataUserVa: [0xb0, "void*"],
      CommunicationInfo: [0xb8, "_ALPC_COMMUNICATION_INFO*"],
      ConnectionPort: [0xc0, "_ALPC_PORT*"],
      ServerThread: [0xc8, "_ETHREAD*"],
      WakeReference: [0xd0, "void*"],
      ExtensionBuffer: [0xd8, "void*"],
      ExtensionBufferSize: [0xe0, "ULONGLONG"],
      PortMessage: [0xe8, "_PORT_MESSAGE"],
    },
  },
  // ALL_SORTED.h
  _KMUTANT: {
    size: 0x38,
    fields: {
      Header: [0x0, "_DISPATCHER_HEADER"],
      MutantListEntry: [0x18, "_LIST_ENTRY"],
      OwnerThread: [0x28, "_KTHREAD*"],
      Abandoned: [0x30, "UCHAR"],
      ApcDisable: [0x31, "UCHAR"],
    },
  },
  // ALL_SORTED.h
  _KSEMAPHORE: {
    size: 0x20,
    fields: {
      Header: [0x0, "_DISPATCHER_HEADER"],
      Limit: [0x18, "LONG"],
    },
  },
  // ALL_SORTED.h
  _KQUEUE: {
    size: 0x40,
    fields: {
      Header: [0x0, "_DISPATCHER_HEADER"],
      EntryListHead: [0x18, "_LIST_ENTRY"],
      CurrentCount: [0x28, "ULONG"],
      MaximumCount: [0x2c, "ULONG"],
      ThreadListHead: [0x30, "_LIST_ENTRY"],
    },
  },
};

export const OBJECT_TYPES_22H2_X64: { readonly [typeName: string]: TypeLayout } = {
  ...COMMON,
  // ALL_SORTED.h
  _OBJECT_DIRECTORY: {
    size: 0x158,
    fields: {
      HashBuckets: [0x0, "_OBJECT_DIRECTORY_ENTRY*[37]"],
      Lock: [0x128, "_EX_PUSH_LOCK"],
      DeviceMap: [0x130, "void*"],
      ShadowDirectory: [0x138, "_OBJECT_DIRECTORY*"],
      NamespaceEntry: [0x140, "void*"],
      SessionObject: [0x148, "void*"],
      Flags: [0x150, "ULONG"],
      SessionId: [0x154, "ULONG"],
    },
  },
  // ALL_SORTED.h (LinkTarget shares its bytes with Callback/CallbackContext)
  _OBJECT_SYMBOLIC_LINK: {
    size: 0x28,
    fields: {
      CreationTime: [0x0, "_LARGE_INTEGER"],
      LinkTarget: [0x8, "_UNICODE_STRING"],
      Callback: [0x8, "void*"],
      CallbackContext: [0x10, "void*"],
      DosDeviceDriveIndex: [0x18, "ULONG"],
      Flags: [0x1c, "ULONG"],
      AccessMask: [0x20, "ULONG"],
      IntegrityLevel: [0x24, "ULONG"],
    },
  },
  // Standalone/_ALPC_COMMUNICATION_INFO.h
  _ALPC_COMMUNICATION_INFO: {
    size: 0x50,
    fields: {
      ConnectionPort: [0x0, "_ALPC_PORT*"],
      ServerCommunicationPort: [0x8, "_ALPC_PORT*"],
      ClientCommunicationPort: [0x10, "_ALPC_PORT*"],
      CommunicationList: [0x18, "_LIST_ENTRY"],
      CloseMessage: [0x48, "_KALPC_MESSAGE*"],
    },
  },
  // ALL_SORTED.h
  _KALPC_MESSAGE_STATE: { // <unnamed-tag> of _KALPC_MESSAGE.u1.s1
    size: 0x4,
    fields: {
      QueueType: [0x0, "ULONG", 0, 3],
      QueuePortType: [0x0, "ULONG", 3, 4],
      Canceled: [0x0, "ULONG", 7, 1],
      Ready: [0x0, "ULONG", 8, 1],
      ReleaseMessage: [0x0, "ULONG", 9, 1],
      SharedQuota: [0x0, "ULONG", 10, 1],
      ReplyWaitReply: [0x0, "ULONG", 11, 1],
      OwnerPortReference: [0x0, "ULONG", 12, 1],
      ReceiverReference: [0x0, "ULONG", 13, 1],
      ViewAttributeRetrieved: [0x0, "ULONG", 14, 1],
      ViewAttributeDeleteOnRelease: [0x0, "ULONG", 15, 1],
      InDispatch: [0x0, "ULONG", 16, 1],
      InCanceledQueue: [0x0, "ULONG", 17, 1],
    },
  },
  // ALL_SORTED.h
  _KALPC_MESSAGE: {
    size: 0x118,
    fields: {
      Entry: [0x0, "_LIST_ENTRY"],
      PortQueue: [0x10, "_ALPC_PORT*"],
      OwnerPort: [0x18, "_ALPC_PORT*"],
      WaitingThread: [0x20, "_ETHREAD*"],
      u1: [0x28, "_KALPC_MESSAGE_U1"],
      SequenceNo: [0x2c, "LONG"],
      QuotaProcess: [0x30, "_EPROCESS*"],
      QuotaBlock: [0x30, "void*"],
      CancelSequencePort: [0x38, "_ALPC_PORT*"],
      CancelQueuePort: [0x40, "_ALPC_PORT*"],
      CancelSequenceNo: [0x48, "LONG"],
      CancelListEntry: [0x50, "_LIST_ENTRY"],
      Reserve: [0x60, "void*"],
      DataUserVa: [0xb0, "void*"],
      CommunicationInfo: [0xb8, "_ALPC_COMMUNICATION_INFO*"],
      ConnectionPort: [0xc0, "_ALPC_PORT*"],
      ServerThread: [0xc8, "_ETHREAD*"],
      WakeReference: [0xd0, "void*"],
      WakeReference2: [0xd8, "void*"],
      ExtensionBuffer: [0xe0, "void*"],
      ExtensionBufferSize: [0xe8, "ULONGLONG"],
      PortMessage: [0xf0, "_PORT_MESSAGE"],
    },
  },
  // ALL_SORTED.h
  _KMUTANT: {
    size: 0x38,
    fields: {
      Header: [0x0, "_DISPATCHER_HEADER"],
      MutantListEntry: [0x18, "_LIST_ENTRY"],
      OwnerThread: [0x28, "_KTHREAD*"],
      MutantFlags: [0x30, "UCHAR"],
      Abandoned: [0x30, "UCHAR", 0, 1],
      Spare1: [0x30, "UCHAR", 1, 7],
      Abandoned2: [0x30, "UCHAR", 0, 1],
      AbEnabled: [0x30, "UCHAR", 1, 1],
      ApcDisable: [0x31, "UCHAR"],
    },
  },
};

/**
 * win32k's per-process structure, the part KernelHandles reads (GDI and USER object counts), laid out after the
 * Windows 7 x64 win32k.sys _W32PROCESS (written from memory of that public-symbol dump, NOT checked against a
 * header dump like the types above; Windows 10 moved the type to win32kbase.sys, whose public symbols usually
 * lack it, and the analysis then answers Info). The analysis reads the counts by name, so these offsets only
 * place them in the fake target's memory; pointers to types outside this subset are `void*`.
 */
export const W32PROCESS_X64: TypeLayout = {
  size: 0x100,
  fields: {
    Process: [0x0, "void*"], RefCount: [0x8, "ULONG"], W32PF_Flags: [0xc, "ULONG"], InputIdleEvent: [0x10, "void*"],
    StartCursorHideTime: [0x18, "ULONG"], NextStart: [0x20, "void*"], pDCAttrList: [0x28, "void*"], pBrushAttrList: [0x30, "void*"],
    W32Pid: [0x38, "ULONG"], GDIHandleCount: [0x3c, "LONG"], GDIHandleCountPeak: [0x40, "ULONG"], UserHandleCount: [0x44, "LONG"],
    UserHandleCountPeak: [0x48, "ULONG"],
  },
};

/*
 * EFI_MP_SERVICES_PROTOCOL, from the UEFI PI specification vol. 2 (13.4) and
 * edk2 MdePkg/Include/Protocol/MpService.h.  gnu-efi does not ship it.  Only
 * the calls mkboot makes are typed; the rest are placeholders that keep the
 * table's layout.
 */
#ifndef MKBOOT_MP_SERVICES_H
#define MKBOOT_MP_SERVICES_H

#include <efi.h>

#define MKBOOT_MP_SERVICES_GUID \
	{ 0x3fdda605, 0xa76e, 0x4f46, { 0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08 } }

/* StatusFlag bits (PI spec: PROCESSOR_AS_BSP_BIT, PROCESSOR_ENABLED_BIT, PROCESSOR_HEALTH_STATUS_BIT). */
#define MP_PROCESSOR_AS_BSP 0x1u
#define MP_PROCESSOR_ENABLED 0x2u
#define MP_PROCESSOR_HEALTHY 0x4u

typedef struct {
	UINT32 Package;
	UINT32 Core;
	UINT32 Thread;
} MP_CPU_PHYSICAL_LOCATION;

typedef struct {
	UINT64 ProcessorId; /* the local APIC ID */
	UINT32 StatusFlag;
	MP_CPU_PHYSICAL_LOCATION Location;
	/* PI 1.7 appends ExtendedInformation; firmware writes it only when asked
	 * with CPU_V2_EXTENDED_TOPOLOGY, which mkboot never does, but the buffer is
	 * sized for it anyway. */
	UINT32 Extended[6];
} MP_PROCESSOR_INFORMATION;

typedef struct _MKBOOT_MP_SERVICES MKBOOT_MP_SERVICES;

typedef EFI_STATUS(EFIAPI *MP_GET_NUMBER_OF_PROCESSORS)(MKBOOT_MP_SERVICES *This,
							UINTN *NumberOfProcessors,
							UINTN *NumberOfEnabledProcessors);
typedef EFI_STATUS(EFIAPI *MP_GET_PROCESSOR_INFO)(MKBOOT_MP_SERVICES *This, UINTN ProcessorNumber,
						  MP_PROCESSOR_INFORMATION *Info);

struct _MKBOOT_MP_SERVICES {
	MP_GET_NUMBER_OF_PROCESSORS GetNumberOfProcessors;
	MP_GET_PROCESSOR_INFO GetProcessorInfo;
	void *StartupAllAPs;
	void *StartupThisAP;
	void *SwitchBSP;
	void *EnableDisableAP;
	void *WhoAmI;
};

#endif

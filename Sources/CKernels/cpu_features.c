// What the CPU and the OS support beyond the AVX2 + FMA + F16C floor the package is compiled for, detected once when
// the library loads. See cpu_features.h.

#include "cpu_features.h"
#include "ckernels.h"

#include <cpuid.h>

int ck_cpu_avx512f = 0;
int ck_cpu_avx512vnni = 0;
int ck_cpu_avx512bw = 0;
int ck_cpu_avx512bf16 = 0;

// AVX-512F (CPUID leaf 7, EBX bit 16) with its state saved by the OS (XCR0: SSE, AVX, opmask, ZMM), and on top of
// it AVX-512 VL (EBX bit 31) and VNNI (ECX bit 11), and BF16.
__attribute__((constructor)) static void detect_cpu_features(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return;  // OSXSAVE
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return;
    unsigned int xcr0_low, xcr0_high;
    __asm__("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    if ((xcr0_low & 0xE6) != 0xE6 || !(b & (1u << 16))) return;
    ck_cpu_avx512f = 1;
    ck_cpu_avx512bw = (b >> 30) & 1;
    ck_cpu_avx512vnni = (b & (1u << 31)) && (c & (1u << 11));
    // AVX512_BF16: CPUID leaf 7, sub-leaf 1, EAX bit 5.
    unsigned int a1, b1, c1, d1;
    if (__get_cpuid_count(7, 1, &a1, &b1, &c1, &d1)) ck_cpu_avx512bf16 = (a1 >> 5) & 1;
}

int ck_attention_avx512_supported(void) { return ck_cpu_avx512f; }
int ck_int8_avx512vnni_supported(void) { return ck_cpu_avx512vnni; }

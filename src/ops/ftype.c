/* llama.cpp file types (general.file_type, enum llama_ftype). */
#include <stddef.h>

#include "ckpt/inspect.h"

static const struct {
    uint32_t id;
    const char *name;
} ftypes[] = {
    {0, "F32"},      {1, "F16"},      {2, "Q4_0"},     {3, "Q4_1"},     {7, "Q8_0"},
    {8, "Q5_0"},     {9, "Q5_1"},     {10, "Q2_K"},    {11, "Q3_K_S"},  {12, "Q3_K_M"},
    {13, "Q3_K_L"},  {14, "Q4_K_S"},  {15, "Q4_K_M"},  {16, "Q5_K_S"},  {17, "Q5_K_M"},
    {18, "Q6_K"},    {19, "IQ2_XXS"}, {20, "IQ2_XS"},  {21, "Q2_K_S"},  {22, "IQ3_XS"},
    {23, "IQ3_XXS"}, {24, "IQ1_S"},   {25, "IQ4_NL"},  {26, "IQ3_S"},   {27, "IQ3_M"},
    {28, "IQ2_S"},   {29, "IQ2_M"},   {30, "IQ4_XS"},  {31, "IQ1_M"},   {32, "BF16"},
    {36, "TQ1_0"},   {37, "TQ2_0"},   {38, "MXFP4_MOE"}, {39, "NVFP4"}, {40, "Q1_0"},
    {41, "Q2_0"},
};

/* The guess llama.cpp's model loader makes from the most common type. */
static const struct {
    ck_dtype dtype;
    uint32_t ftype;
} guesses[] = {
    {CK_DT_F32, 0},      {CK_DT_F16, 1},      {CK_DT_BF16, 32},    {CK_DT_Q4_0, 2},
    {CK_DT_Q4_1, 3},     {CK_DT_Q5_0, 8},     {CK_DT_Q5_1, 9},     {CK_DT_Q8_0, 7},
    {CK_DT_Q2_K, 10},    {CK_DT_Q3_K, 12},    {CK_DT_Q4_K, 15},    {CK_DT_Q5_K, 17},
    {CK_DT_Q6_K, 18},    {CK_DT_IQ2_XXS, 19}, {CK_DT_IQ2_XS, 20},  {CK_DT_IQ2_S, 28},
    {CK_DT_IQ3_XXS, 23}, {CK_DT_IQ1_S, 24},   {CK_DT_IQ1_M, 31},   {CK_DT_IQ4_NL, 25},
    {CK_DT_IQ4_XS, 30},  {CK_DT_IQ3_S, 26},   {CK_DT_TQ1_0, 36},   {CK_DT_TQ2_0, 37},
    {CK_DT_MXFP4, 38},   {CK_DT_NVFP4, 39},   {CK_DT_Q1_0, 40},    {CK_DT_Q2_0, 41},
};

const char *ck_ftype_name(uint32_t ftype) {
    /* 1024 is llama.cpp's "guessed" flag. */
    ftype &= ~1024u;
    for (size_t i = 0; i < sizeof ftypes / sizeof ftypes[0]; i++)
        if (ftypes[i].id == ftype) return ftypes[i].name;
    return NULL;
}

bool ck_ftype_guess(ck_dtype d, uint32_t *ftype) {
    for (size_t i = 0; i < sizeof guesses / sizeof guesses[0]; i++) {
        if (guesses[i].dtype == d) {
            *ftype = guesses[i].ftype;
            return true;
        }
    }
    return false;
}

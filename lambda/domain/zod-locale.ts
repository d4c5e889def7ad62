import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// zod/mini loads no locale, so every issue would read "Invalid input"; zod classic sets English itself. Setting it
// here, once, keeps the field errors clients get in problem+json (`errors[].detail`) the English messages they have
// always been. Every module with a schema imports this one. English is imported from its own module, not as
// `z.locales.en`: through the namespace, esbuild bundled every locale.
z.config(en());

import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { z } from 'astro/zod';

/** Lessons: MDX files under content/lessons/<lang>/, ids like `en/first-steps`. */
const lessons = defineCollection({
  loader: glob({ pattern: '**/*.mdx', base: './content/lessons' }),
  schema: z.object({
    title: z.string(),
    summary: z.string(),
    /** Position in the course (1, 2, …). */
    order: z.number().int().positive(),
    /** What the learner can do after the lesson. */
    objectives: z.array(z.string()).min(1),
  }),
});

export const collections = { lessons };

/** Job kinds that act on containers (shared by the services that enqueue and settle them). */
export const createJobKind = 'container.create'
export const installJobKind = 'container.install'
